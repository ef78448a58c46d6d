// edgeid sign-in page: sign in (password or a social IdP), register and reset a password
// through the Experience API (Logto's /api/experience), pass the second step (MFA) or set it up,
// then follow the `redirectTo` that submit returns. No framework.
'use strict';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
// The app asking (`logto-app-id`); kept for the social callback, which comes back without it.
const appId = query.get('app_id') || sessionStorage.getItem('edgeid.app_id');
if (appId) sessionStorage.setItem('edgeid.app_id', appId);

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
  'one_time_token.token_not_found': 'This link is not valid. Ask for a new one.',
  'one_time_token.email_mismatch': 'This link was sent to another email address.',
  'one_time_token.token_expired': 'This link has expired. Ask for a new one.',
  'one_time_token.token_consumed': 'This link was used already. Ask for a new one.',
  'one_time_token.token_revoked': 'This link was withdrawn. Ask for a new one.',
  'one_time_token.interaction_event_mismatch': 'This link cannot be used to reset a password.',
  'session.captcha_required': 'A captcha is required, which this page cannot show.',
  'session.mfa.require_mfa_verification': 'Your account needs a second step to sign in.',
  'session.mfa.invalid_totp_code': 'That code is not right. Check your authenticator app and try again.',
  'session.mfa.invalid_backup_code': 'That backup code is not right or was used already.',
  'session.mfa.mfa_factor_not_enabled': 'This kind of two-step verification is not enabled.',
  'session.mfa.mfa_policy_not_user_controlled': 'Two-step verification is required for your account.',
  'session.mfa.backup_code_can_not_be_alone': 'Set up an authenticator app first.',
  'session.mfa.webauthn_verification_failed': 'The passkey could not be checked.',
  'user.totp_already_in_use': 'Your account already has an authenticator app.',
  'session.connector_session_not_found': 'The sign-in took too long or was started elsewhere. Please start again.',
  'session.connector_validation_session_not_found': 'The sign-in took too long or was started elsewhere. Please start again.',
  'connector.authorization_failed': 'The sign-in with that provider did not succeed. Please try again.',
  'connector.social_auth_code_invalid': 'The sign-in with that provider did not succeed. Please try again.',
  'connector.social_invalid_access_token': 'The sign-in with that provider did not succeed. Please try again.',
  'connector.social_invalid_id_token': 'The provider sent an answer that could not be checked. Please try again.',
  'connector.invalid_response': 'The provider sent an answer that could not be read. Please try again.',
  'user.identity_not_exist': 'No account is linked to this social account yet.',
  'session.email_blocklist.email_not_allowed': 'This email address is not allowed. Please use another one.',
  'session.email_blocklist.email_subaddressing_not_allowed': 'Email addresses with a "+" part are not allowed.',
  'session.email_blocklist.disposable_email_validation_failed': 'Disposable email addresses are not allowed.',
  'session.email_blocklist.invalid_email': 'This email address is not valid.',
  'user.suspended': 'This account is suspended. Please contact the administrator.',
  'user.user_not_exist': 'No account matches what you entered.',
  'user.email_not_exist': 'No account uses this email address.',
  'user.missing_profile': 'Your account needs more information before you can sign in.',
  'user.missing_mfa': 'Your account needs two-step verification. Please set it up.',
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
const identify = (verificationId, linkSocialIdentity) =>
  api('POST', '/identification', verificationId ? { verificationId, ...(linkSocialIdentity && { linkSocialIdentity }) } : {});
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
  if (code.startsWith('verification_code.') || code.startsWith('session.mfa.invalid_')) return pick('code');
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
// An administrator's magic link (`/reset-password?one_time_token=…`, Logto's one-time token):
// the token proves the email, so no code is sent and none is asked for.
const resetToken = query.get('one_time_token');
if (resetToken) {
  $('forgot-intro').textContent = 'Enter the email this link was sent to, then choose a new password.';
  $('forgot-form').querySelector('button[type=submit]').textContent = 'Continue';
}

onSubmit($('forgot-form'), 'forgot-error', async () => {
  Object.assign(reset, { email: $('forgot-email').value.trim(), codeId: null, identified: false });
  await start('ForgotPassword');
  const byToken = Boolean(resetToken);
  $('forgot-code').closest('.field').hidden = byToken;
  document.querySelector('[data-resend="forgot"]').hidden = byToken;
  if (byToken) {
    const identifier = { type: 'email', value: reset.email };
    const { verificationId } = await api('POST', '/verification/one-time-token/verify', { identifier, token: resetToken });
    await identify(verificationId);
    reset.identified = true;
    $('forgot-code-sent').textContent = `Choose a new password for ${reset.email}.`;
    showStep('forgot-form', 'forgot-code-form', 'forgot-password-new');
    return;
  }
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
// `identify`: the user is not created yet (social registration asked for more at
// identification), so identify again before submitting.
const completion = { event: 'SignIn', missing: [], email: '', codeId: null, staged: new Set(), identify: false };

// Submit; what the experience still needs (more profile, the second step, setting one up) gets
// its screen instead of an error. Anything else is thrown for the form to explain.
async function submitOrComplete(event) {
  try {
    await submitAndGo();
  } catch (error) {
    if (!needs(error, event)) throw error;
  }
}

// Show the screen an Experience API answer asks for; false when it is a plain error.
function needs(error, event, identify = false) {
  const data = error.body?.data || {};
  switch (error.code) {
    case 'user.missing_profile':
      return completeProfile(data.missingProfile, event, identify);
    case 'session.mfa.require_mfa_verification':
      return mfaVerify(data.availableFactors, data.maskedIdentifiers, event);
    case 'user.missing_mfa':
      return mfaBind(data.availableFactors, data.skippable ? 'mfa-skipped' : null, event);
    case 'session.mfa.suggest_additional_mfa':
      return mfaBind(data.availableFactors, 'mfa-suggestion-skipped', event);
    case 'user.suggest_mfa':
      return mfaOnboard(event);
    case 'session.mfa.backup_code_required':
      mfa.event = event;
      backupBind().catch((e) => fail($('mfa-bind-error'), describe(e)));
      return true;
    default:
      return false;
  }
}

function completeProfile(missing, event, identify) {
  if (!Array.isArray(missing) || !missing.length || !missing.every((m) => Object.hasOwn(COLLECTABLE, m))) return false;
  Object.assign(completion, { event, missing: missing.map((m) => COLLECTABLE[m]), email: '', codeId: null, staged: new Set(), identify });
  for (const field of document.querySelectorAll('#continue-form [data-missing]'))
    field.hidden = !completion.missing.includes(field.dataset.missing);
  show('continue', true);
  return true;
}

async function finishCompletion() {
  if (completion.identify) {
    await identify();
    completion.identify = false;
  }
  await submitOrComplete(completion.event);
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
  await finishCompletion();
});

onSubmit($('continue-code-form'), 'continue-code-error', async () => {
  await verifyCode(completion.email, completion.codeId, $('continue-code').value.trim());
  await api('POST', '/profile', { type: 'email', verificationId: completion.codeId });
  await finishCompletion();
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


// ---- social sign-in ------------------------------------------------------------------------

const random = (n) => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n)))).replace(/[+/=]/g, (c) => ({ '+': '-', '/': '_', '=': '' })[c]);
const callbackUri = (id) => `${location.origin}/callback/${encodeURIComponent(id)}`;
const socialKey = (id) => `edgeid.social:${id}`;
const connectorName = (c) => c?.name?.en || Object.values(c?.name || {})[0] || c?.target || 'social';

// Logto's filter for a browser: Web and Universal connectors, Web first for the same target.
function socialConnectors() {
  const byTarget = new Map();
  for (const c of exp.socialConnectors || []) {
    if (c.platform === 'Native' || !c.id) continue;
    if (c.platform === 'Web' || !byTarget.has(c.target)) byTarget.set(c.target, c);
  }
  return [...byTarget.values()];
}

function renderSocial() {
  const connectors = socialConnectors();
  for (const box of document.querySelectorAll('[data-social]')) {
    const list = box.querySelector('ul');
    list.replaceChildren();
    for (const connector of connectors) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'social-button';
      const dark = matchMedia('(prefers-color-scheme: dark)').matches;
      const logo = (dark && connector.logoDark) || connector.logo || '';
      // Only logos the CSP allows (data: URLs, this origin): no third-party requests.
      if (/^data:image\//.test(logo) || logo.startsWith('/')) {
        button.append(Object.assign(document.createElement('img'), { src: logo, alt: '', width: 24, height: 24 }));
      } else {
        button.append(Object.assign(document.createElement('span'), { className: 'badge', textContent: connectorName(connector).slice(0, 1).toUpperCase() }));
      }
      button.append(`Continue with ${connectorName(connector)}`);
      button.addEventListener('click', () => startSocial(connector, box.closest('section').querySelector('form .error'), button));
      const item = document.createElement('li');
      item.append(button);
      list.append(item);
    }
    box.hidden = !connectors.length;
  }
}

// Ask the Experience API for the provider's authorization URL and go there; `state` is kept in
// this tab to check the way back, as Logto's page does.
async function startSocial(connector, errorBox, button = {}) {
  errorBox.textContent = '';
  button.disabled = true;
  try {
    const state = random(24);
    await start('SignIn');
    const { verificationId, authorizationUri } = await api('POST', `/verification/social/${encodeURIComponent(connector.id)}/authorization-uri`, {
      state,
      redirectUri: callbackUri(connector.id),
    });
    const target = new URL(authorizationUri);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new ApiError('unknown', {}, 0);
    sessionStorage.setItem(socialKey(connector.id), JSON.stringify({ state, verificationId }));
    location.assign(target.href);
  } catch (error) {
    fail(errorBox, describe(error));
    button.disabled = false;
  }
}

const social = { connector: null, verificationId: null, related: null };

// `/callback/<connectorId>`: check the state, hand the provider's answer to the Experience API,
// then sign in, link to the account with the same email, or register.
async function socialCallback() {
  const connectorId = decodeURIComponent(location.pathname.slice('/callback/'.length).replace(/\/$/, ''));
  const params = new URLSearchParams([...query, ...new URLSearchParams(location.hash.slice(1))]);
  history.replaceState(null, '', location.pathname);
  social.connector = (exp.socialConnectors || []).find((c) => c.id === connectorId) || { id: connectorId };
  const name = connectorName(social.connector);
  $('callback-status').textContent = `Checking your ${name} account…`;
  const saved = JSON.parse(sessionStorage.getItem(socialKey(connectorId)) || 'null');
  sessionStorage.removeItem(socialKey(connectorId));
  const stop = (message) => {
    $('callback-status').textContent = '';
    $('callback-error').textContent = message;
  };
  if (params.get('error')) return stop(`The sign-in with ${name} did not complete (${params.get('error_description') || params.get('error')}).`);
  if (!saved) return stop('This sign-in was not started in this browser tab, or it took too long. Please start again.');
  if (saved.state !== params.get('state')) return stop('The answer from the provider does not match this sign-in. Please start again.');
  try {
    const connectorData = { redirectUri: callbackUri(connectorId), ...Object.fromEntries(params) };
    ({ verificationId: social.verificationId } = await api('POST', `/verification/social/${encodeURIComponent(connectorId)}/verify`, {
      verificationId: saved.verificationId,
      connectorData,
    }));
    await socialSignIn();
  } catch (error) {
    stop(describe(error));
  }
}

// Logto's sign-in magic link (`/sign-in?one_time_token=…&login_hint=…`, its OneTimeToken page):
// sign in with the token, or, when nobody has the email yet, register it (an invitation).
async function magicLinkSignIn(token, email) {
  show('callback', false);
  $('callback-status').textContent = `Signing you in as ${email}…`;
  try {
    await start('SignIn');
    const identifier = { type: 'email', value: email };
    const { verificationId } = await api('POST', '/verification/one-time-token/verify', { identifier, token });
    try {
      await identify(verificationId);
    } catch (error) {
      if (error.code !== 'user.user_not_exist') throw error;
      $('callback-status').textContent = 'Creating your account…';
      await api('PUT', '/interaction-event', { interactionEvent: 'Register' });
      try {
        await identify(verificationId);
      } catch (registerError) {
        // What the sign-up settings still ask for (a username, a password): the continue form.
        if (needs(registerError, 'Register', true)) return;
        throw registerError;
      }
      return await submitOrComplete('Register');
    }
    await submitOrComplete('SignIn');
  } catch (error) {
    $('callback-status').textContent = '';
    $('callback-error').textContent = describe(error);
  }
}

async function socialSignIn() {
  try {
    await identify(social.verificationId);
  } catch (error) {
    if (error.code !== 'user.identity_not_exist') throw error;
    const related = error.body.data?.relatedUser;
    if (related) {
      if (exp.socialSignIn?.automaticAccountLinking) return socialLink();
      return offerLink(related);
    }
    if (exp.signInMode === 'SignIn') throw new ApiError('user.identity_not_exist', { message: '' }, 404);
    return socialRegister();
  }
  $('callback-status').textContent = 'Signing you in…';
  await submitOrComplete('SignIn');
}

function offerLink(related) {
  const name = connectorName(social.connector);
  $('callback-title').textContent = 'Link your account';
  $('callback-status').textContent = '';
  $('link-text').textContent = `An account with ${related.value} already exists. Link your ${name} account to it and sign in?`;
  $('link-new').hidden = exp.signInMode === 'SignIn';
  $('link-account').hidden = false;
  $('link-yes').focus();
}

// Logto's `bindSocialRelatedUser`: sign in as the related account, linking the identity.
async function socialLink() {
  await api('PUT', '/interaction-event', { interactionEvent: 'SignIn' });
  await identify(social.verificationId, true);
  await submitOrComplete('SignIn');
}

// Logto's `registerWithVerifiedIdentifier`: a new account from the social identity.
async function socialRegister() {
  $('callback-status').textContent = 'Creating your account…';
  await api('PUT', '/interaction-event', { interactionEvent: 'Register' });
  try {
    await identify(social.verificationId);
  } catch (error) {
    if (needs(error, 'Register', true)) return;
    throw error;
  }
  await submitOrComplete('Register');
}

for (const [id, action] of [['link-yes', socialLink], ['link-new', socialRegister]]) {
  $(id).addEventListener('click', async () => {
    $('callback-error').textContent = '';
    $('link-account').hidden = true;
    try {
      await action();
    } catch (error) {
      $('callback-error').textContent = describe(error);
    }
  });
}

// ---- two-step verification (MFA) -----------------------------------------------------------

const mfa = { event: 'SignIn', factors: [], masked: {}, skip: null, other: null, totpId: null, totpBound: false, backupId: null, codes: [], codeId: null, codeType: null };
const passkeys = Boolean(window.PublicKeyCredential && navigator.credentials);
const VERIFIABLE = ['Totp', 'BackupCode', 'EmailVerificationCode', 'PhoneVerificationCode', ...(passkeys ? ['WebAuthn'] : [])];
const FACTOR_LABELS = {
  Totp: 'Authenticator app',
  WebAuthn: 'Passkey',
  BackupCode: 'Backup code',
  EmailVerificationCode: 'Email code',
  PhoneVerificationCode: 'Text message code',
};

// 403 session.mfa.require_mfa_verification: the first factor is the one last used.
function mfaVerify(factors, masked, event) {
  const usable = (Array.isArray(factors) ? factors : []).filter((f) => VERIFIABLE.includes(f));
  if (!usable.length) return false;
  Object.assign(mfa, { event, factors: usable, masked: masked || {} });
  show('mfa-verify', true);
  useFactor(usable[0], false);
  return true;
}

function useFactor(factor, focus = true) {
  for (const form of document.querySelectorAll('#mfa-verify form')) {
    form.hidden = !form.dataset.factor.split(' ').includes(factor);
    form.reset();
    form.querySelector('.error').textContent = '';
  }
  $('mfa-verify-error').textContent = '';
  const others = mfa.factors.filter((f) => f !== factor);
  const box = $('mfa-switch').querySelector('.actions');
  box.replaceChildren(
    ...others.map((f) => {
      const button = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: FACTOR_LABELS[f] });
      button.addEventListener('click', () => useFactor(f));
      return button;
    }),
  );
  $('mfa-switch').hidden = !others.length;
  if (factor === 'EmailVerificationCode' || factor === 'PhoneVerificationCode') {
    mfa.codeType = factor === 'EmailVerificationCode' ? 'email' : 'phone';
    sendMfaCode().catch((error) => fail($('mfa-code-error'), describe(error)));
  }
  const input = document.querySelector('#mfa-verify form:not([hidden]) input');
  if (focus && input) input.focus();
}

async function sendMfaCode() {
  ({ verificationId: mfa.codeId } = await api('POST', '/verification/mfa-verification-code', { identifierType: mfa.codeType }));
  const to = mfa.masked[mfa.codeType === 'email' ? 'EmailVerificationCode' : 'PhoneVerificationCode'];
  $('mfa-code-sent').textContent = `We sent a code to ${to || (mfa.codeType === 'email' ? 'your email' : 'your phone')}. Enter it below.`;
}

onSubmit($('mfa-totp-form'), 'mfa-totp-error', async () => {
  await api('POST', '/verification/totp/verify', { code: $('mfa-totp-code').value.trim() });
  await submitOrComplete(mfa.event);
});

onSubmit($('mfa-backup-form'), 'mfa-backup-error', async () => {
  await api('POST', '/verification/backup-code/verify', { code: $('mfa-backup-code').value.trim() });
  await submitOrComplete(mfa.event);
});

onSubmit($('mfa-code-form'), 'mfa-code-error', async () => {
  await api('POST', '/verification/mfa-verification-code/verify', { verificationId: mfa.codeId, code: $('mfa-code').value.trim(), identifierType: mfa.codeType });
  await submitOrComplete(mfa.event);
});

// WebAuthn: the options and the browser's answer travel as JSON with base64url binaries
// (SimpleWebAuthn's shapes, which Logto uses).
const fromB64 = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const toB64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const withIds = (list) => (list || []).map((c) => ({ ...c, id: fromB64(c.id) }));

function credentialJson(credential) {
  const r = credential.response;
  const response = { clientDataJSON: toB64(r.clientDataJSON) };
  if (r.attestationObject) Object.assign(response, { attestationObject: toB64(r.attestationObject), transports: r.getTransports?.() || [] });
  if (r.authenticatorData) Object.assign(response, { authenticatorData: toB64(r.authenticatorData), signature: toB64(r.signature) });
  if (r.userHandle) response.userHandle = toB64(r.userHandle);
  return {
    type: 'WebAuthn',
    id: credential.id,
    rawId: toB64(credential.rawId),
    response,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults?.() || {},
  };
}

// The browser refusing or the person cancelling is not an API error: say it in words.
async function ceremony(run) {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('webauthn.cancelled', { message: 'The passkey was not used. Try again, or use another method.' }, 0);
  }
}

onSubmit($('mfa-webauthn-form'), 'mfa-webauthn-error', async () => {
  const { verificationId, authenticationOptions: o } = await api('POST', '/verification/web-authn/authentication');
  const credential = await ceremony(() =>
    navigator.credentials.get({ publicKey: { ...o, challenge: fromB64(o.challenge), allowCredentials: withIds(o.allowCredentials) } }),
  );
  await api('POST', '/verification/web-authn/authentication/verify', { verificationId, payload: credentialJson(credential) });
  await submitOrComplete(mfa.event);
});

$('mfa-resend').addEventListener('click', async () => {
  $('mfa-code-error').textContent = '';
  try {
    await sendMfaCode();
    $('notice').textContent = 'We sent a new code.';
  } catch (error) {
    fail($('mfa-code-error'), describe(error));
  }
});

const BIND_TITLES = {
  'mfa-onboard': 'Turn on two-step verification?',
  'totp-bind-form': 'Set up two-step verification',
  'webauthn-bind-form': 'Set up two-step verification',
  'backup-bind-form': 'Save your backup codes',
};

function bindScreen(part, skip, other) {
  $('mfa-bind-title').textContent = BIND_TITLES[part];
  show('mfa-bind', true);
  for (const id of Object.keys(BIND_TITLES)) $(id).hidden = id !== part;
  $('mfa-bind-error').textContent = '';
  mfa.skip = skip;
  $('mfa-skip').hidden = !skip;
  $('mfa-other').hidden = !other;
  $('mfa-other').textContent = other === 'WebAuthn' ? 'Use a passkey instead' : 'Use an authenticator app instead';
  mfa.other = other;
}

// 422 user.suggest_mfa: offer to turn MFA on (or skip it), as Logto's onboarding screen.
function mfaOnboard(event) {
  mfa.event = event;
  bindScreen('mfa-onboard', 'mfa-skipped');
  return true;
}

$('mfa-enable').addEventListener('click', () =>
  busy($('mfa-enable'), async () => {
    await api('POST', '/profile/mfa/mfa-enabled');
    await submitOrComplete(mfa.event);
  }),
);

$('mfa-skip').addEventListener('click', () =>
  busy($('mfa-skip'), async () => {
    await api('POST', `/profile/mfa/${mfa.skip}`);
    await submitOrComplete(mfa.event);
  }),
);

// Run a button's action with the button disabled; errors go to the MFA screen's live region.
async function busy(button, action) {
  if (button.disabled) return;
  button.disabled = true;
  $('mfa-bind-error').textContent = '';
  try {
    await action();
  } catch (error) {
    fail($('mfa-bind-error'), describe(error));
  } finally {
    button.disabled = false;
  }
}

// 422 user.missing_mfa: bind an authenticator app or a passkey (the factors this page sets up).
function mfaBind(factors, skip, event) {
  const can = (Array.isArray(factors) ? factors : []).filter((f) => f === 'Totp' || (f === 'WebAuthn' && passkeys));
  if (!can.length) return false;
  Object.assign(mfa, { event, factors: can, totpId: null, totpBound: false });
  bindFactor(can[0], skip);
  return true;
}

function bindFactor(factor, skip) {
  const other = mfa.factors.find((f) => f !== factor);
  if (factor === 'WebAuthn') return bindScreen('webauthn-bind-form', skip, other);
  bindScreen('totp-bind-form', skip, other);
  if (mfa.totpId) return;
  api('POST', '/verification/totp/secret').then(
    ({ verificationId, secret, secretQrCode }) => {
      mfa.totpId = verificationId;
      $('totp-secret').textContent = secret.replace(/(.{4})(?=.)/g, '$1 ');
      const qr = $('totp-qr');
      qr.hidden = !/^data:image\//.test(secretQrCode || '');
      if (!qr.hidden) qr.src = secretQrCode;
    },
    (error) => fail($('mfa-bind-error'), describe(error)),
  );
}

$('mfa-other').addEventListener('click', () => bindFactor(mfa.other, mfa.skip));

onSubmit($('webauthn-bind-form'), 'webauthn-bind-error', async () => {
  const { verificationId, registrationOptions: o } = await api('POST', '/verification/web-authn/registration');
  const publicKey = { ...o, challenge: fromB64(o.challenge), user: { ...o.user, id: fromB64(o.user.id) }, excludeCredentials: withIds(o.excludeCredentials) };
  const credential = await ceremony(() => navigator.credentials.create({ publicKey }));
  await api('POST', '/verification/web-authn/registration/verify', { verificationId, payload: credentialJson(credential) });
  await api('POST', '/profile/mfa', { type: 'WebAuthn', verificationId });
  await submitOrComplete(mfa.event);
});

onSubmit($('totp-bind-form'), 'totp-bind-error', async () => {
  if (!mfa.totpBound) {
    await api('POST', '/verification/totp/verify', { code: $('totp-bind-code').value.trim(), verificationId: mfa.totpId });
    await api('POST', '/profile/mfa', { type: 'Totp', verificationId: mfa.totpId });
    mfa.totpBound = true;
  }
  await submitOrComplete(mfa.event);
});

// 422 session.mfa.backup_code_required: new backup codes, shown once.
async function backupBind() {
  bindScreen('backup-bind-form', null);
  ({ verificationId: mfa.backupId, codes: mfa.codes } = await api('POST', '/verification/backup-code/generate'));
  $('backup-codes').replaceChildren(...mfa.codes.map((code) => Object.assign(document.createElement('li'), { textContent: code })));
}

$('backup-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(mfa.codes.join('\n'));
    $('notice').textContent = 'The backup codes are copied.';
  } catch {
    fail($('backup-bind-error'), 'Copying is not allowed here. Select the codes and copy them yourself.');
  }
});

$('backup-download').addEventListener('click', () => {
  const link = document.createElement('a');
  link.href = `data:text/plain;charset=utf-8,${encodeURIComponent(`${mfa.codes.join('\n')}\n`)}`;
  link.download = `${location.host}-backup-codes.txt`;
  link.click();
});

onSubmit($('backup-bind-form'), 'backup-bind-error', async () => {
  await api('POST', '/profile/mfa', { type: 'BackupCode', verificationId: mfa.backupId });
  $('backup-codes').replaceChildren();
  await submitOrComplete(mfa.event);
});

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
const TITLES = {
  'sign-in': 'Sign in',
  register: 'Create account',
  'forgot-password': 'Reset password',
  continue: 'Complete your account',
  callback: 'Signing in',
  'mfa-verify': 'Two-step verification',
};

function screenFor(pathname) {
  if (pathname.startsWith('/callback/')) return 'callback';
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
  document.title = screen === 'mfa-bind' ? $('mfa-bind-title').textContent : TITLES[screen];
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
  if (hint && resetToken) $('forgot-email').value = hint;
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
  renderSocial();
  show(screenFor(location.pathname), false);
  document.body.dataset.ready = 'true';
  if (location.pathname.startsWith('/callback/')) await socialCallback();
  const linkToken = query.get('one_time_token');
  if (linkToken && hint && screenFor(location.pathname) !== 'forgot-password') await magicLinkSignIn(linkToken, hint);
  // `direct_sign_in=social:<target>`: straight to that provider (else the fallback screen shows).
  const [, method, target] = location.pathname.match(/^\/direct\/([^/]+)\/([^/]+)/) || [];
  const direct = method === 'social' && socialConnectors().find((c) => c.target === decodeURIComponent(target));
  if (direct) await startSocial(direct, $('sign-in-error'));
}

main();
