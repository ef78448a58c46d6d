// edgeid sign-in page: sign in, register and reset a password through the Experience API
// (Logto's /api/experience), then follow the `redirectTo` that submit returns. No framework.
'use strict';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const appId = query.get('app_id');

// Logto's defaults for a new tenant, used until (or if) the sign-in experience cannot be read.
let exp = {
  signInMode: 'SignInAndRegister',
  signIn: { methods: [{ identifier: 'username', password: true }] },
  signUp: { identifiers: ['username'], password: true, verify: false },
  forgotPassword: { email: false, phone: false },
};

// ---- messages ------------------------------------------------------------------------------

// What a person should read for each Experience API error code (Logto's phrases, reworded
// where they speak of APIs).
const MESSAGES = {
  'session.invalid_credentials': 'The username, email or password is incorrect.',
  'session.verification_blocked_too_many_attempts': 'Too many failed attempts. Please try again later.',
  'session.not_found': 'Your sign-in session has expired. Go back to the app and sign in again.',
  'session.interaction_not_found': 'Your sign-in session has expired. Go back to the app and sign in again.',
  'session.verification_session_not_found': 'The verification did not succeed. Please start again.',
  'session.verification_failed': 'The verification did not succeed. Please start again.',
  'session.identifier_not_found': 'Your sign-in session has expired. Go back to the app and sign in again.',
  'session.identity_conflict': 'You are already signing in as someone else. Start again from the app.',
  'session.not_supported_for_forgot_password': 'Resetting the password this way is not available.',
  'session.forgot_password_not_enabled': 'Resetting the password is not enabled.',
  'session.captcha_required': 'A captcha is required, which this page cannot show.',
  'session.mfa.require_mfa_verification': 'Your account needs two-step verification, which this page cannot do yet.',
  'session.email_blocklist.email_not_allowed': 'This email address is not allowed. Please use another one.',
  'session.email_blocklist.email_subaddressing_not_allowed': 'Email addresses with a "+" part are not allowed.',
  'session.email_blocklist.disposable_email_validation_failed': 'Disposable email addresses are not allowed.',
  'session.email_blocklist.invalid_email': 'This email address is not valid.',
  'user.suspended': 'This account is suspended. Please contact the administrator.',
  'user.user_not_exist': 'No account matches what you entered.',
  'user.email_not_exist': 'No account uses this email address.',
  'user.missing_profile': 'Your account needs more information before you can sign in.',
  'user.missing_mfa': 'Your account needs two-step verification, which this page cannot set up yet.',
  'user.suggest_mfa': 'Your account needs two-step verification, which this page cannot set up yet.',
  'user.username_already_in_use': 'This username is taken. Please choose another one.',
  'user.email_already_in_use': 'This email is already used by an account. Sign in instead?',
  'user.phone_already_in_use': 'This phone number is already used by an account.',
  'user.username_starts_with_number': 'A username cannot start with a number.',
  'user.username_invalid_charset_hard': 'A username can only contain letters, numbers and underscores.',
  'user.username_too_short': 'This username is too short.',
  'user.username_too_long': 'This username is too long.',
  'user.username_uppercase_not_allowed': 'A username cannot contain uppercase letters.',
  'user.username_lowercase_not_allowed': 'A username cannot contain lowercase letters.',
  'user.username_numbers_not_allowed': 'A username cannot contain numbers.',
  'user.username_underscore_not_allowed': 'A username cannot contain underscores.',
  'user.invalid_email': 'This email address is not valid.',
  'user.sign_in_method_not_enabled': 'Signing in this way is not enabled.',
  'user.sign_up_method_not_enabled': 'Creating an account this way is not enabled.',
  'user.same_password': 'The new password must differ from your old one.',
  'user.new_password_required_in_profile': 'Please choose a new password.',
  'password.rejected': 'Please choose a stronger password.',
  'password.expired': 'Your password has expired. Reset it to continue.',
  'verification_code.code_mismatch': 'That code is not right. Check the email and try again.',
  'verification_code.expired': 'That code has expired. Send a new one.',
  'verification_code.exceed_max_try': 'Too many wrong codes. Send a new one.',
  'verification_code.not_found': 'Send a code first.',
  'verification_code.email_mismatch': 'The email changed since the code was sent. Send a new code.',
  'session.invalid_interaction_type': 'This step does not fit the current sign-in. Please start again.',
  'session.captcha_failed': 'The captcha check failed. Please try again.',
  'user.email_exists_in_profile': 'Your account already has an email address.',
  'user.phone_exists_in_profile': 'Your account already has a phone number.',
  'user.username_exists_in_profile': 'Your account already has a username.',
  'user.password_exists_in_profile': 'Your account already has a password.',
  'user.identity_already_in_use': 'This social account is already linked to another account.',
  'connector.not_found': 'Sending email is not set up. Please contact the administrator.',
  'connector.general': 'The email could not be sent. Please try again later.',
  'connector.invalid_config': 'The email could not be sent. Please contact the administrator.',
  'connector.template_not_found': 'The email could not be sent. Please contact the administrator.',
  'connector.not_implemented': 'The email could not be sent. Please contact the administrator.',
  'request.message_rate_limited': 'Too many messages were sent. Please wait a moment and try again.',
  'request.rate_limited': 'Too many requests. Please wait a moment and try again.',
  'auth.forbidden': 'This is not allowed for this application.',
  'guard.invalid_input': 'Please check what you entered.',
  network: 'The server could not be reached. Check your connection and try again.',
};

// `password.rejected` carries `data: [{code: 'password_rejected.<reason>', interpolation}]`.
const PASSWORD_RULES = {
  too_short: (i) => `Use at least ${i.min} characters.`,
  too_long: (i) => `Use at most ${i.max} characters.`,
  character_types: (i) => `Mix at least ${i.min} kinds of characters (lowercase, uppercase, digits, symbols).`,
  unsupported_characters: () => 'It contains a character that is not allowed.',
  pwned: () => 'It is too common or has appeared in a data breach.',
  'restricted.repetition': () => 'Avoid repeated characters.',
  'restricted.sequence': () => 'Avoid sequences such as "abc" or "123".',
  'restricted.user_info': () => 'Avoid your name, username or email.',
  'restricted.words': () => 'Avoid words related to this product.',
};

class ApiError extends Error {
  constructor(code, body, status) {
    super(code);
    this.code = code;
    this.body = body || {};
    this.status = status;
  }
}

function describe(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  const { code, body } = error;
  if (code === 'password.rejected' && Array.isArray(body.data)) {
    const reasons = body.data
      .map((issue) => String(issue?.code).replace(/^password_rejected\./, ''))
      .map((rule, i) => Object.hasOwn(PASSWORD_RULES, rule) && PASSWORD_RULES[rule](body.data[i].interpolation || {}))
      .filter(Boolean);
    if (reasons.length) return `Please choose another password. ${reasons.join(' ')}`;
  }
  if (code === 'session.verification_blocked_too_many_attempts' && /try again/i.test(body.message || '')) {
    return `Too many failed attempts. ${body.message.replace(/^.*?(please )?try again/i, 'Please try again')}`;
  }
  if (code === 'user.missing_profile' && Array.isArray(body.data?.missingProfile)) {
    const names = { username: 'a username', email: 'an email address', phone: 'a phone number', password: 'a password', emailOrPhone: 'an email address' };
    const missing = body.data.missingProfile.map((m) => names[m] || m).join(' and ');
    return `Your account needs ${missing} before you can sign in here.`;
  }
  if (Object.hasOwn(MESSAGES, code)) return MESSAGES[code];
  return typeof body.message === 'string' && body.message ? body.message : 'Something went wrong. Please try again.';
}

// ---- Experience API ------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (appId) headers['logto-app-id'] = appId;
  let response;
  try {
    response = await fetch(`/api/experience${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('network', {}, 0);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(data?.code || `http.${response.status}`, data, response.status);
  return data;
}

const start = (interactionEvent) => api('PUT', '', { interactionEvent });
const identify = (verificationId) => api('POST', '/identification', verificationId ? { verificationId } : {});
const sendCode = (email, interactionEvent) =>
  api('POST', '/verification/verification-code', { identifier: { type: 'email', value: email }, interactionEvent });
const verifyCode = (email, verificationId, code) =>
  api('POST', '/verification/verification-code/verify', { identifier: { type: 'email', value: email }, verificationId, code });

// Submit and leave for the provider; only same-scheme http(s) targets are followed.
async function submitAndGo() {
  const result = await api('POST', '/submit');
  const target = new URL(result?.redirectTo || '', location.href);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new ApiError('unknown', {}, 0);
  location.assign(target.href);
}

// ---- forms ---------------------------------------------------------------------------------

// Run a form's action with its button disabled; errors go to the form's live region and the
// field they concern (if any) is marked invalid and focused.
function onSubmit(form, errorId, action) {
  const errorBox = $(errorId);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (button.disabled) return;
    clearErrors(form, errorBox);
    const empty = [...form.querySelectorAll('input[required]')].find((i) => !i.closest('[hidden]') && !i.value.trim());
    if (empty) return fail(errorBox, `Please enter your ${labelOf(empty).toLowerCase()}.`, empty);
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await action();
    } catch (error) {
      fail(errorBox, describe(error), fieldFor(form, error));
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
}

const labelOf = (input) => document.querySelector(`label[for="${input.id}"]`)?.textContent || input.name;

function clearErrors(form, errorBox) {
  errorBox.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-errormessage');
  }
}

function fail(errorBox, message, input) {
  errorBox.textContent = message;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-errormessage', errorBox.id);
    input.focus();
  }
}

// The input an error code is about, so it can be marked and focused.
function fieldFor(form, error) {
  const code = error instanceof ApiError ? error.code : '';
  const pick = (name) => form.querySelector(`input[name="${name}"]:not([hidden] input)`);
  if (code.startsWith('password.') || code === 'user.same_password') return pick('password');
  if (code.startsWith('verification_code.')) return pick('code');
  if (code.startsWith('user.username_')) return pick('username');
  if (code.startsWith('user.email_') || code.startsWith('session.email_blocklist') || code === 'user.invalid_email') return pick('email');
  if (code === 'session.invalid_credentials') return pick('password');
  return null;
}

// ---- sign in -------------------------------------------------------------------------------

const passwordMethods = () => (exp.signIn?.methods || []).filter((m) => m.password).map((m) => m.identifier);

// Which identifier type the typed value is, among those the sign-in experience accepts.
function identifierType(value) {
  const allowed = passwordMethods();
  if (value.includes('@') && allowed.includes('email')) return 'email';
  if (/^\+?[\d\s-]{6,}$/.test(value) && allowed.includes('phone')) return 'phone';
  if (allowed.includes('username')) return 'username';
  return allowed[0] || 'username';
}

onSubmit($('sign-in-form'), 'sign-in-error', async () => {
  const value = $('sign-in-identifier').value.trim();
  const password = $('sign-in-password').value;
  const type = identifierType(value);
  await start('SignIn');
  const { verificationId } = await api('POST', '/verification/password', {
    identifier: { type, value: type === 'phone' ? value.replace(/[\s-]/g, '') : value },
    password,
  });
  await identify(verificationId);
  await submitOrComplete('SignIn');
});

// ---- register ------------------------------------------------------------------------------

// What the sign-up settings ask for. Phone sign-up needs SMS, which this page does not offer;
// "email or phone" is offered as email.
function registerNeeds() {
  const signUp = exp.signUp || {};
  const ids = [...(signUp.identifiers || []), ...(signUp.secondaryIdentifiers || []).map((s) => s.identifier)];
  return {
    username: ids.includes('username'),
    email: ids.includes('email') || ids.includes('emailOrPhone'),
    password: Boolean(signUp.password),
  };
}

const registration = { email: '', codeId: null, passwordId: null, identified: false };

onSubmit($('register-form'), 'register-error', async () => {
  // The account exists already (only the submit failed): do not start over.
  if (registration.identified) return submitOrComplete('Register');
  const needs = registerNeeds();
  const username = $('register-username').value.trim();
  const password = $('register-password').value;
  Object.assign(registration, { email: $('register-email').value.trim(), codeId: null, passwordId: null, identified: false });
  await start('Register');
  if (needs.username) {
    ({ verificationId: registration.passwordId } = await api('POST', '/verification/new-password-identity', {
      identifier: { type: 'username', value: username },
      password,
    }));
  }
  if (needs.email) {
    ({ verificationId: registration.codeId } = await sendCode(registration.email, 'Register'));
    $('register-code-sent').textContent = `We sent a code to ${registration.email}. Enter it below.`;
    showStep('register-form', 'register-code-form', 'register-code');
    return;
  }
  await finishRegistration(password);
});

onSubmit($('register-code-form'), 'register-code-error', async () => {
  if (!registration.identified) {
    const code = $('register-code').value.trim();
    await verifyCode(registration.email, registration.codeId, code);
  }
  await finishRegistration($('register-password').value);
});

// Create the user from the first verification, staging whatever else the experience says is
// missing (Logto answers 422 user.missing_profile listing it), then submit.
async function finishRegistration(password) {
  if (!registration.identified) {
    try {
      await identify(registration.passwordId || registration.codeId);
    } catch (error) {
      if (error.code !== 'user.missing_profile') throw error;
      for (const missing of error.body.data?.missingProfile || []) {
        if (missing === 'password') await api('POST', '/profile', { type: 'password', value: password });
        else if ((missing === 'email' || missing === 'emailOrPhone') && registration.codeId)
          await api('POST', '/profile', { type: 'email', verificationId: registration.codeId });
        else if (missing === 'username') await api('POST', '/profile', { type: 'username', value: $('register-username').value.trim() });
        else throw error;
      }
      await identify();
    }
    registration.identified = true;
  }
  await submitOrComplete('Register');
}

// ---- forgot password -----------------------------------------------------------------------

const reset = { email: '', codeId: null, identified: false };

onSubmit($('forgot-form'), 'forgot-error', async () => {
  Object.assign(reset, { email: $('forgot-email').value.trim(), codeId: null, identified: false });
  await start('ForgotPassword');
  ({ verificationId: reset.codeId } = await sendCode(reset.email, 'ForgotPassword'));
  $('forgot-code-sent').textContent = `If an account uses ${reset.email}, we sent it a code. Enter it below with your new password.`;
  showStep('forgot-form', 'forgot-code-form', 'forgot-code');
});

onSubmit($('forgot-code-form'), 'forgot-code-error', async () => {
  if (!reset.identified) {
    await verifyCode(reset.email, reset.codeId, $('forgot-code').value.trim());
    await identify(reset.codeId);
    reset.identified = true;
  }
  await api('PUT', '/profile/password', { password: $('forgot-password-new').value });
  await api('POST', '/submit');
  $('sign-in-identifier').value = reset.email;
  $('forgot-code-form').reset();
  navigate('/sign-in', 'Your password has been reset. Sign in with your new password.');
});

// "Send a new code": same event and address as the first send; the new record replaces the old.
for (const button of document.querySelectorAll('[data-resend]')) {
  button.addEventListener('click', async () => {
    const flow = button.dataset.resend;
    const state = { register: registration, forgot: reset, continue: completion }[flow];
    const event = { register: 'Register', forgot: 'ForgotPassword', continue: completion.event }[flow];
    const errorBox = $(`${flow}-code-error`);
    errorBox.textContent = '';
    $('notice').textContent = '';
    button.disabled = true;
    try {
      ({ verificationId: state.codeId } = await sendCode(state.email, event));
      $('notice').textContent = 'We sent a new code.';
    } catch (error) {
      fail(errorBox, describe(error));
    } finally {
      button.disabled = false;
    }
  });
}

// ---- complete the account (422 user.missing_profile at submit) ------------------------------

// What this page can collect; anything else (a phone, custom fields) is explained instead.
const COLLECTABLE = { username: 'username', password: 'password', email: 'email', emailOrPhone: 'email' };
const completion = { event: 'SignIn', missing: [], email: '', codeId: null, staged: new Set() };

async function submitOrComplete(event) {
  try {
    await submitAndGo();
  } catch (error) {
    const missing = error.code === 'user.missing_profile' ? error.body.data?.missingProfile : null;
    if (!Array.isArray(missing) || !missing.length || !missing.every((m) => Object.hasOwn(COLLECTABLE, m))) throw error;
    Object.assign(completion, { event, missing: missing.map((m) => COLLECTABLE[m]), email: '', codeId: null, staged: new Set() });
    for (const field of document.querySelectorAll('#continue-form [data-missing]'))
      field.hidden = !completion.missing.includes(field.dataset.missing);
    show('continue', true);
  }
}

onSubmit($('continue-form'), 'continue-error', async () => {
  for (const type of ['username', 'password']) {
    if (!completion.missing.includes(type) || completion.staged.has(type)) continue;
    const value = $(`continue-${type}`).value;
    await api('POST', '/profile', { type, value: type === 'username' ? value.trim() : value });
    completion.staged.add(type);
  }
  if (completion.missing.includes('email')) {
    completion.email = $('continue-email').value.trim();
    ({ verificationId: completion.codeId } = await sendCode(completion.email, completion.event));
    $('continue-code-sent').textContent = `We sent a code to ${completion.email}. Enter it below.`;
    showStep('continue-form', 'continue-code-form', 'continue-code');
    return;
  }
  await submitAndGo();
});

onSubmit($('continue-code-form'), 'continue-code-error', async () => {
  await verifyCode(completion.email, completion.codeId, $('continue-code').value.trim());
  await api('POST', '/profile', { type: 'email', verificationId: completion.codeId });
  await submitAndGo();
});

// "Use another email": back to the form that asked for it.
for (const button of document.querySelectorAll('[data-back]')) {
  button.addEventListener('click', () => {
    const codeForm = button.closest('form');
    codeForm.querySelector('.error').textContent = '';
    const first = button.dataset.back;
    showStep(codeForm.id, first, first.replace('-form', '-email'));
  });
}

function showStep(fromId, toId, focusId) {
  $(fromId).hidden = true;
  $(toId).hidden = false;
  $(focusId).focus();
}

// ---- screens -------------------------------------------------------------------------------

const SCREENS = {
  '/sign-in': 'sign-in',
  '/identifier-sign-in': 'sign-in',
  '/register': 'register',
  '/identifier-register': 'register',
  '/forgot-password': 'forgot-password',
  '/reset-password': 'forgot-password',
  '/single-sign-on': 'sign-in',
};
const TITLES = { 'sign-in': 'Sign in', register: 'Create account', 'forgot-password': 'Reset password', continue: 'Complete your account' };

function screenFor(pathname) {
  // `direct_sign_in` (social, SSO) is not offered here: show the screen it falls back to.
  const path = pathname.startsWith('/direct/') ? `/${query.get('fallback') || 'sign-in'}` : pathname.replace(/\/$/, '');
  let screen = (Object.hasOwn(SCREENS, path) && SCREENS[path]) || 'sign-in';
  if (screen === 'register' && exp.signInMode === 'SignIn') screen = 'sign-in';
  if (screen === 'sign-in' && exp.signInMode === 'Register') screen = 'register';
  return screen;
}

function show(screen, focus) {
  for (const section of document.querySelectorAll('[data-screen]')) section.hidden = section.id !== screen;
  // Each visit starts at a screen's first step.
  $('register-form').hidden = false;
  $('register-code-form').hidden = true;
  $('forgot-form').hidden = false;
  $('forgot-code-form').hidden = true;
  $('continue-form').hidden = false;
  $('continue-code-form').hidden = true;
  document.title = TITLES[screen];
  if (focus) $(screen).querySelector('h1').focus();
}

// In-page navigation keeps the query (app_id, …) and moves focus to the new screen's heading.
function navigate(path, notice) {
  history.pushState(null, '', path + location.search);
  $('notice').textContent = notice || '';
  show(screenFor(path), true);
}

for (const link of document.querySelectorAll('a[data-nav]')) {
  link.href = link.getAttribute('href') + location.search;
  link.addEventListener('click', (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(new URL(link.href).pathname);
  });
}
window.addEventListener('popstate', () => {
  $('notice').textContent = '';
  show(screenFor(location.pathname), true);
});

// Shape the forms to the sign-in experience: which identifiers, whether registering and
// resetting are offered, the tenant's colour.
function applyExperience() {
  const methods = passwordMethods();
  const names = { username: 'Username', email: 'Email', phone: 'Phone number' };
  const words = methods.map((m) => names[m]).filter(Boolean).map((w, i) => (i ? w.toLowerCase() : w));
  const last = words.pop();
  $('sign-in-identifier-label').textContent = (words.length ? `${words.join(', ')} or ${last}` : last) || 'Username';
  if (methods.length === 1 && methods[0] === 'email') {
    $('sign-in-identifier').type = 'email';
    $('sign-in-identifier').autocomplete = 'email';
  }
  $('register-hint').hidden = exp.signInMode === 'SignIn';
  $('sign-in-hint').hidden = exp.signInMode === 'Register';
  $('forgot-link').hidden = !exp.forgotPassword?.email;
  const needs = registerNeeds();
  for (const field of document.querySelectorAll('#register-form [data-need]')) field.hidden = !needs[field.dataset.need];
  const min = exp.passwordPolicy?.length?.min ?? 8;
  $('register-password-hint').textContent = `At least ${min} characters.`;
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const color = dark ? exp.color?.isDarkModeEnabled && exp.color.darkPrimaryColor : exp.color?.primaryColor;
  if (/^#[0-9a-f]{6}$/i.test(color || '')) {
    document.documentElement.style.setProperty('--primary', color);
    document.documentElement.style.setProperty('--on-primary', luminance(color) > 0.4 ? '#000' : '#fff');
  }
}

function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

async function main() {
  const hint = query.get('login_hint');
  if (hint) $('sign-in-identifier').value = hint;
  try {
    const params = new URLSearchParams();
    if (appId) params.set('appId', appId);
    if (query.get('organization_id')) params.set('organizationId', query.get('organization_id'));
    const response = await fetch(`/api/.well-known/sign-in-exp?${params}`, { credentials: 'same-origin' });
    if (response.ok) exp = { ...exp, ...(await response.json()) };
  } catch {
    // Keep the defaults: the forms still work for a default tenant.
  }
  applyExperience();
  show(screenFor(location.pathname), false);
  document.body.dataset.ready = 'true';
}

main();
