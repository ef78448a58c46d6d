// edgeid account page: a person signs in through the built-in `account-center` client
// (authorization code + PKCE, as Logto's Account Center does) and manages their own account
// through the Account API (/api/my-account*, /api/verifications*). No framework.
'use strict';

const $ = (id) => document.getElementById(id);
const CLIENT_ID = 'account-center';
const REDIRECT_URI = `${location.origin}/account`;
const SCOPES = 'openid profile email phone identities custom_data';
const KEY = 'edgeid.account';

let token = null; // { accessToken, idToken, expiresAt }
let proof = null; // the identity verification record: { id, expiresAt }
let settings = { enabled: true, fields: {} }; // account center settings (`/api/.well-known/account-center`)
let factorsEnabled = []; // MFA factors the sign-in experience offers
let me = {};
let factors = [];

// ---- messages ------------------------------------------------------------------------------

const MESSAGES = {
  'account_center.not_enabled': 'The account page is turned off. Please contact the administrator.',
  'account_center.field_not_editable': 'This cannot be changed here.',
  'account_center.field_not_enabled': 'This part of your account is not available here.',
  'verification_record.permission_denied': 'Please confirm it is you first.',
  'verification_record.not_found': 'The verification has expired. Please start again.',
  'session.invalid_credentials': 'The password is incorrect.',
  'session.verification_blocked_too_many_attempts': 'Too many failed attempts. Please try again later.',
  'auth.unauthorized': 'Your session has ended. Please sign in again.',
  'auth.authorization_header_missing': 'Your session has ended. Please sign in again.',
  'auth.forbidden': 'This is not allowed.',
  'auth.third_party_application_forbidden': 'This is not allowed for this application.',
  'user.username_already_in_use': 'This username is taken. Please choose another one.',
  'user.email_already_in_use': 'This email is already used by another account.',
  'user.invalid_email': 'This email address is not valid.',
  'user.username_starts_with_number': 'A username cannot start with a number.',
  'user.username_invalid_charset_hard': 'A username can only contain letters, numbers and underscores.',
  'user.last_sign_in_method_required': 'You need at least one way to sign in.',
  'user.same_password': 'The new password must differ from your old one.',
  'user.totp_already_in_use': 'You already have an authenticator app. Remove it first.',
  'user.totp_secret_invalid': 'The key is not valid. Please start again.',
  'user.wrong_backup_code_format': 'The backup codes are not valid. Please generate new ones.',
  'session.mfa.invalid_totp_code': 'That code is not right. Check your authenticator app and try again.',
  'session.mfa.backup_code_can_not_be_alone': 'Add an authenticator app first: backup codes cannot be your only second step.',
  'session.mfa.mfa_factor_not_enabled': 'This kind of two-step verification is not enabled.',
  'verification_code.code_mismatch': 'That code is not right. Check the email and try again.',
  'verification_code.expired': 'That code has expired. Send a new one.',
  'verification_code.exceed_max_try': 'Too many wrong codes. Send a new one.',
  'verification_code.not_found': 'Send a code first.',
  'connector.not_found': 'Sending email is not set up. Please contact the administrator.',
  'request.message_rate_limited': 'Too many messages were sent. Please wait a moment and try again.',
  'entity.not_exists_with_id': 'It is gone already. Reload the page.',
  'guard.invalid_input': 'Please check what you entered.',
  'password.rejected': 'Please choose a stronger password.',
  network: 'The server could not be reached. Check your connection and try again.',
};

const PASSWORD_RULES = {
  too_short: (i) => `Use at least ${i.min} characters.`,
  too_long: (i) => `Use at most ${i.max} characters.`,
  character_types: (i) => `Mix at least ${i.min} kinds of characters (lowercase, uppercase, digits, symbols).`,
  pwned: () => 'It is too common or has appeared in a data breach.',
  'restricted.repetition': () => 'Avoid repeated characters.',
  'restricted.sequence': () => 'Avoid sequences such as "abc" or "123".',
  'restricted.user_info': () => 'Avoid your name, username or email.',
};

class ApiError extends Error {
  constructor(code, body, status) {
    super(code);
    Object.assign(this, { code, body: body || {}, status });
  }
}

function describe(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  const { code, body } = error;
  if (code === 'password.rejected' && Array.isArray(body.data)) {
    const reasons = body.data
      .map((issue) => [String(issue?.code).replace(/^password_rejected\./, ''), issue?.interpolation || {}])
      .map(([rule, i]) => Object.hasOwn(PASSWORD_RULES, rule) && PASSWORD_RULES[rule](i))
      .filter(Boolean);
    if (reasons.length) return `Please choose another password. ${reasons.join(' ')}`;
  }
  if (Object.hasOwn(MESSAGES, code)) return MESSAGES[code];
  if (code.startsWith('user.username_')) return 'This username is not allowed. Please choose another one.';
  return typeof body.message === 'string' && body.message ? body.message : 'Something went wrong. Please try again.';
}

// ---- sign-in: authorization code + PKCE through `account-center` ----------------------------

const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));

async function signIn() {
  const verifier = random(32);
  const state = random(16);
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(`${KEY}.pkce`, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: SCOPES,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`/oidc/auth?${params}`);
}

// Back from /oidc/auth: check the state, swap the code for tokens, forget the query.
async function finishSignIn(query) {
  const saved = JSON.parse(sessionStorage.getItem(`${KEY}.pkce`) || 'null');
  sessionStorage.removeItem(`${KEY}.pkce`);
  history.replaceState(null, '', '/account');
  if (query.get('error')) throw new Error(query.get('error_description') || query.get('error'));
  if (!saved || saved.state !== query.get('state')) throw new Error('The sign-in could not be checked. Please sign in again.');
  const response = await fetch('/oidc/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code'),
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      code_verifier: saved.verifier,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.access_token) throw new Error(body.error_description || 'The sign-in did not complete. Please sign in again.');
  token = { accessToken: body.access_token, idToken: body.id_token, expiresAt: Date.now() + (body.expires_in || 3600) * 1000 };
  sessionStorage.setItem(`${KEY}.token`, JSON.stringify(token));
}

function signOut() {
  const idToken = token?.idToken;
  sessionStorage.removeItem(`${KEY}.token`);
  sessionStorage.setItem(`${KEY}.signed-out`, '1');
  const params = new URLSearchParams({ client_id: CLIENT_ID, post_logout_redirect_uri: REDIRECT_URI });
  if (idToken) params.set('id_token_hint', idToken);
  location.assign(`/oidc/session/end?${params}`);
}

function showSignedOut(message) {
  token = null;
  sessionStorage.removeItem(`${KEY}.token`);
  $('signed-out-error').textContent = message || '';
  show('signed-out');
}

// ---- Account API ---------------------------------------------------------------------------

async function api(method, path, body, verificationId) {
  const headers = { accept: 'application/json', authorization: `Bearer ${token?.accessToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (verificationId) headers['logto-verification-id'] = verificationId;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
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
  if (!response.ok) {
    const error = new ApiError(data?.code || `http.${response.status}`, data, response.status);
    // The token is gone (expired or revoked): sign in again.
    if (response.status === 401 && error.code.startsWith('auth.')) showSignedOut(describe(error));
    throw error;
  }
  return data;
}

// Run a sensitive change. It first goes with the current verification record (if any); when
// the Account API answers 401 verification_record.permission_denied, the person confirms who
// they are (password, or a code to their email) and the change is sent once more.
async function sensitive(change) {
  const fresh = proof && proof.expiresAt > Date.now() + 10_000 ? proof.id : undefined;
  try {
    return await change(fresh);
  } catch (error) {
    if (error.code !== 'verification_record.permission_denied') throw error;
    proof = null;
  }
  const id = await confirmIdentity();
  return change(id);
}

class Cancelled extends Error {}

// The "Confirm it is you" dialog; resolves with a verification record id.
function confirmIdentity() {
  const dialog = $('verify');
  const form = $('verify-form');
  const byEmail = { on: false, id: null };
  const hasPassword = me.hasPassword !== false;
  $('verify-by-email').hidden = !me.primaryEmail || !hasPassword;
  const useEmail = async () => {
    Object.assign(byEmail, { on: true });
    $('verify-password-field').hidden = true;
    $('verify-code-field').hidden = false;
    $('verify-by-email').hidden = true;
    const sent = await api('POST', '/api/verifications/verification-code', {
      identifier: { type: 'email', value: me.primaryEmail },
      templateType: 'UserPermissionValidation',
    });
    byEmail.id = sent.verificationRecordId;
    $('verify-text').textContent = `We sent a code to ${me.primaryEmail}. Enter it to continue.`;
    $('verify-code').focus();
  };
  form.reset();
  $('verify-error').textContent = '';
  $('verify-password-field').hidden = !hasPassword;
  $('verify-code-field').hidden = true;
  $('verify-text').textContent = 'Enter your current password to continue.';
  return new Promise((resolve, reject) => {
    const done = (result, error) => {
      form.onsubmit = null;
      $('verify-cancel').onclick = null;
      $('verify-by-email').onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      if (error) reject(error);
      else resolve(result);
    };
    const attempt = async (action) => {
      $('verify-error').textContent = '';
      try {
        await action();
      } catch (error) {
        $('verify-error').textContent = describe(error);
        (byEmail.on ? $('verify-code') : $('verify-password')).focus();
      }
    };
    form.onsubmit = (event) => {
      event.preventDefault();
      attempt(async () => {
        let record;
        if (byEmail.on) {
          const code = $('verify-code').value.trim();
          await api('POST', '/api/verifications/verification-code/verify', {
            identifier: { type: 'email', value: me.primaryEmail },
            verificationId: byEmail.id,
            code,
          });
          record = { verificationRecordId: byEmail.id, expiresAt: Date.now() + 9 * 60_000 };
        } else {
          record = await api('POST', '/api/verifications/password', { password: $('verify-password').value });
        }
        const expiresAt = Date.parse(record.expiresAt) || Date.now() + 9 * 60_000;
        proof = { id: record.verificationRecordId, expiresAt: typeof record.expiresAt === 'number' ? record.expiresAt : expiresAt };
        done(proof.id);
      });
    };
    $('verify-by-email').onclick = () => attempt(useEmail);
    $('verify-cancel').onclick = () => done(null, new Cancelled());
    dialog.onclose = () => done(null, new Cancelled());
    dialog.showModal();
    if (hasPassword) $('verify-password').focus();
    else attempt(useEmail);
  });
}

// ---- forms ---------------------------------------------------------------------------------

function onSubmit(form, errorId, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (button.disabled) return;
    const errorBox = $(errorId);
    errorBox.textContent = '';
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    const empty = [...form.querySelectorAll('input[required]')].find((i) => !i.closest('[hidden]') && !i.value.trim());
    if (empty) return fail(errorBox, `Please enter the ${labelOf(empty).toLowerCase()}.`, empty);
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await action();
    } catch (error) {
      if (!(error instanceof Cancelled)) fail(errorBox, describe(error), fieldFor(form, error));
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
}

const labelOf = (input) => document.querySelector(`label[for="${input.id}"]`)?.textContent || input.name;

function fail(errorBox, message, input) {
  errorBox.textContent = message;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-errormessage', errorBox.id);
    input.focus();
  }
}

function fieldFor(form, error) {
  const code = error instanceof ApiError ? error.code : '';
  const pick = (name) => form.querySelector(`input[name="${name}"]:not([hidden])`);
  if (code.startsWith('password.') || code === 'user.same_password') return pick('password');
  if (code.startsWith('verification_code.') || code.startsWith('session.mfa.invalid')) return pick('code');
  if (code.startsWith('user.username_')) return pick('username');
  if (code.startsWith('user.email_') || code === 'user.invalid_email') return pick('email');
  return null;
}

function notice(message) {
  $('notice').textContent = message;
}

// ---- profile -------------------------------------------------------------------------------

const access = (field) => settings.fields?.[field] || 'Off';
const editable = (field) => access(field) === 'Edit';

onSubmit($('profile-form'), 'profile-error', async () => {
  const patch = {};
  for (const field of ['name', 'username', 'avatar']) {
    const input = $(`profile-${field}`);
    if (!editable(field) || input.closest('[hidden]')) continue;
    const value = input.value.trim() || null;
    if (value !== (me[field] ?? null)) patch[field] = value;
  }
  if (!Object.keys(patch).length) return notice('Nothing to save.');
  notice('');
  // A new username needs the identity confirmed; a name or avatar does not.
  me = await sensitive((id) => api('PATCH', '/api/my-account', patch, id));
  render();
  notice('Your profile is saved.');
});

onSubmit($('password-form'), 'password-error', async () => {
  notice('');
  const password = $('password-new').value;
  await sensitive((id) => api('POST', '/api/my-account/password', { password }, id));
  $('password-form').reset();
  me.hasPassword = true;
  notice('Your password is changed.');
});

// ---- email ---------------------------------------------------------------------------------

const emailChange = { email: '', id: null };

onSubmit($('email-form'), 'email-error', async () => {
  notice('');
  emailChange.email = $('email-new').value.trim();
  const sent = await api('POST', '/api/verifications/verification-code', { identifier: { type: 'email', value: emailChange.email } });
  emailChange.id = sent.verificationRecordId;
  $('email-code-sent').textContent = `We sent a code to ${emailChange.email}. Enter it below.`;
  swap('email-form', 'email-code-form', 'email-code');
});

onSubmit($('email-code-form'), 'email-code-error', async () => {
  const identifier = { type: 'email', value: emailChange.email };
  await api('POST', '/api/verifications/verification-code/verify', { identifier, verificationId: emailChange.id, code: $('email-code').value.trim() });
  await sensitive((id) =>
    api('POST', '/api/my-account/primary-email', { email: emailChange.email, newIdentifierVerificationRecordId: emailChange.id }, id),
  );
  me.primaryEmail = emailChange.email;
  $('email-code-form').reset();
  $('email-form').reset();
  swap('email-code-form', 'email-form');
  render();
  notice('Your email is changed.');
});

$('email-back').addEventListener('click', () => swap('email-code-form', 'email-form', 'email-new'));

function swap(fromId, toId, focusId) {
  $(fromId).hidden = true;
  $(toId).hidden = false;
  if (focusId) $(focusId).focus();
}

// ---- two-step verification -----------------------------------------------------------------

const FACTOR_NAMES = { Totp: 'Authenticator app', BackupCode: 'Backup codes', WebAuthn: 'Passkey' };
const date = (iso) => new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

async function loadFactors() {
  factors = await api('GET', '/api/my-account/mfa-verifications');
}

function renderFactors() {
  const list = $('mfa-list');
  list.replaceChildren();
  for (const factor of factors) {
    const item = document.createElement('li');
    const text = document.createElement('span');
    const name = factor.type === 'WebAuthn' && factor.name ? factor.name : FACTOR_NAMES[factor.type] || factor.type;
    const extra = factor.type === 'BackupCode' && typeof factor.remainCodes === 'number' ? `, ${factor.remainCodes} left` : '';
    text.textContent = `${name} (added ${date(factor.createdAt)}${extra})`;
    item.append(text);
    if (editable('mfa')) {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary';
      remove.textContent = 'Remove';
      remove.setAttribute('aria-label', `Remove ${name}`);
      remove.addEventListener('click', () => removeFactor(factor, name));
      item.append(remove);
    }
    list.append(item);
  }
  $('mfa-none').hidden = factors.length > 0;
  const has = (type) => factors.some((f) => f.type === type);
  $('totp-add').hidden = !editable('mfa') || !factorsEnabled.includes('Totp') || has('Totp');
  // Backup codes only back up another factor (Logto refuses them alone).
  $('backup-add').hidden = !editable('mfa') || !factorsEnabled.includes('BackupCode') || !factors.some((f) => f.type !== 'BackupCode');
  $('backup-add').textContent = has('BackupCode') ? 'Generate new backup codes' : 'Generate backup codes';
}

async function removeFactor(factor, name) {
  $('mfa-error').textContent = '';
  notice('');
  if (!confirm(`Remove ${name}?`)) return;
  try {
    await sensitive((id) => api('DELETE', `/api/my-account/mfa-verifications/${encodeURIComponent(factor.id)}`, undefined, id));
    await loadFactors();
    renderFactors();
    notice(`${name} removed.`);
  } catch (error) {
    if (!(error instanceof Cancelled)) $('mfa-error').textContent = describe(error);
  }
}

const totp = { secret: '' };

$('totp-add').addEventListener('click', async () => {
  $('mfa-error').textContent = '';
  notice('');
  try {
    ({ secret: totp.secret } = await api('POST', '/api/my-account/mfa-verifications/totp-secret/generate'));
  } catch (error) {
    $('mfa-error').textContent = describe(error);
    return;
  }
  $('totp-secret').textContent = totp.secret.replace(/(.{4})(?=.)/g, '$1 ');
  const label = encodeURIComponent(me.primaryEmail || me.username || me.id);
  const uri = `otpauth://totp/${encodeURIComponent(location.host)}:${label}?secret=${totp.secret}&issuer=${encodeURIComponent(location.host)}`;
  $('totp-link').href = uri;
  const qr = qrCode(uri);
  $('totp-qr').hidden = !qr;
  if (qr) $('totp-qr').src = qr;
  openSub('totp-form', 'totp-title');
});

onSubmit($('totp-form'), 'totp-error', async () => {
  const code = $('totp-code').value.trim();
  await sensitive((id) => api('POST', '/api/my-account/mfa-verifications', { type: 'Totp', secret: totp.secret, code }, id));
  closeSub();
  await loadFactors();
  renderFactors();
  notice('Your authenticator app is added.');
});

const backup = { codes: [] };

$('backup-add').addEventListener('click', async () => {
  $('mfa-error').textContent = '';
  notice('');
  try {
    ({ codes: backup.codes } = await api('POST', '/api/my-account/mfa-verifications/backup-codes/generate'));
  } catch (error) {
    $('mfa-error').textContent = describe(error);
    return;
  }
  openSub('backup-form', 'backup-title');
  $('backup-codes').replaceChildren(...backup.codes.map((code) => Object.assign(document.createElement('li'), { textContent: code })));
});

$('backup-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(backup.codes.join('\n'));
    notice('The backup codes are copied.');
  } catch {
    $('backup-error').textContent = 'Copying is not allowed here. Select the codes and copy them yourself.';
  }
});

$('backup-download').addEventListener('click', () => {
  const link = document.createElement('a');
  link.href = `data:text/plain;charset=utf-8,${encodeURIComponent(`${backup.codes.join('\n')}\n`)}`;
  link.download = `${location.host}-backup-codes.txt`;
  link.click();
});

onSubmit($('backup-form'), 'backup-error', async () => {
  await sensitive((id) => api('POST', '/api/my-account/mfa-verifications', { type: 'BackupCode', codes: backup.codes }, id));
  backup.codes = [];
  closeSub();
  await loadFactors();
  renderFactors();
  notice('Your backup codes are on.');
});

function openSub(formId, titleId) {
  closeSub();
  $(formId).hidden = false;
  $('totp-add').disabled = true;
  $('backup-add').disabled = true;
  $(titleId).focus();
}

function closeSub() {
  for (const id of ['totp-form', 'backup-form']) {
    $(id).hidden = true;
    $(id).reset();
  }
  $('backup-codes').replaceChildren();
  $('totp-add').disabled = false;
  $('backup-add').disabled = false;
}

for (const button of document.querySelectorAll('[data-cancel]')) {
  button.addEventListener('click', () => {
    closeSub();
    $('mfa-title').focus();
  });
}

// ---- QR code -------------------------------------------------------------------------------

// A QR code of `text` (byte mode, error correction M, versions 1-10, enough for an otpauth://
// URI) as an SVG data URL; null when the text is too long. After Nayuki's QR Code generator
// (MIT): data + Reed-Solomon codewords interleaved by block, function patterns, zigzag
// placement, and the mask with the lowest penalty.
const QR_ECC = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26]; // codewords per block, level M
const QR_BLOCKS = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5];

function qrCode(text) {
  const bytes = [...new TextEncoder().encode(text)];
  const raw = (v) => {
    let n = (16 * v + 128) * v + 64;
    if (v >= 2) {
      const a = Math.floor(v / 7) + 2;
      n -= (25 * a - 10) * a - 55;
      if (v >= 7) n -= 36;
    }
    return Math.floor(n / 8);
  };
  let ver = 1;
  while (ver <= 10 && raw(ver) - QR_ECC[ver] * QR_BLOCKS[ver] < bytes.length + 2 + (ver >= 10 ? 1 : 0)) ver++;
  if (ver > 10) return null;
  const capacity = raw(ver) - QR_ECC[ver] * QR_BLOCKS[ver];
  // Data bits: byte mode, length, the bytes, terminator, padding.
  const bits = [];
  const put = (value, n) => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  put(4, 4);
  put(bytes.length, ver >= 10 ? 16 : 8);
  bytes.forEach((b) => put(b, 8));
  put(0, Math.min(4, capacity * 8 - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  const data = [];
  for (let i = 0; i < bits.length; i += 8) data.push(parseInt(bits.slice(i, i + 8).join(''), 2));
  for (let pad = 0xec; data.length < capacity; pad ^= 0xec ^ 0x11) data.push(pad);
  // Reed-Solomon per block, then interleave.
  const mul = (x, y) => {
    let z = 0;
    for (let i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11d);
      z ^= ((y >>> i) & 1) * x;
    }
    return z;
  };
  const eccLen = QR_ECC[ver];
  const divisor = new Array(eccLen).fill(0);
  divisor[eccLen - 1] = 1;
  for (let i = 0, root = 1; i < eccLen; i++, root = mul(root, 2)) {
    for (let j = 0; j < eccLen; j++) divisor[j] = mul(divisor[j], root) ^ (j + 1 < eccLen ? divisor[j + 1] : 0);
  }
  const numBlocks = QR_BLOCKS[ver];
  const total = raw(ver);
  const short = numBlocks - (total % numBlocks);
  const shortLen = Math.floor(total / numBlocks);
  const blocks = [];
  for (let i = 0, k = 0; i < numBlocks; i++) {
    const block = data.slice(k, k + shortLen - eccLen + (i < short ? 0 : 1));
    k += block.length;
    const rem = new Array(eccLen).fill(0);
    for (const b of block) {
      const factor = b ^ rem.shift();
      rem.push(0);
      divisor.forEach((c, j) => (rem[j] ^= mul(c, factor)));
    }
    if (i < short) block.push(0);
    blocks.push(block.concat(rem));
  }
  const codewords = [];
  for (let i = 0; i < blocks[0].length; i++) {
    blocks.forEach((block, j) => {
      if (i !== shortLen - eccLen || j >= short) codewords.push(block[i]);
    });
  }
  // Function patterns.
  const size = ver * 4 + 17;
  const dark = Array.from({ length: size }, () => new Array(size).fill(false));
  const fixed = Array.from({ length: size }, () => new Array(size).fill(false));
  const set = (x, y, on) => {
    dark[y][x] = on;
    fixed[y][x] = true;
  };
  for (let i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        if (cx + dx >= 0 && cx + dx < size && cy + dy >= 0 && cy + dy < size) set(cx + dx, cy + dy, d !== 2 && d !== 4);
      }
    }
  }
  if (ver > 1) {
    const count = Math.floor(ver / 7) + 2;
    const step = Math.ceil((ver * 4 + 4) / (count * 2 - 2)) * 2;
    const at = [6];
    for (let p = size - 7; at.length < count; p -= step) at.splice(1, 0, p);
    at.forEach((x, i) =>
      at.forEach((y, j) => {
        if ((i === 0 && j === 0) || (i === 0 && j === count - 1) || (i === count - 1 && j === 0)) return;
        for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) set(x + dx, y + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }),
    );
  }
  const format = (mask) => {
    const value = mask; // level M is 00
    let rem = value;
    for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    const f = ((value << 10) | rem) ^ 0x5412;
    const bit = (i) => ((f >>> i) & 1) === 1;
    for (let i = 0; i <= 5; i++) set(8, i, bit(i));
    set(8, 7, bit(6));
    set(8, 8, bit(7));
    set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) set(size - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) set(8, size - 15 + i, bit(i));
    set(8, size - 8, true);
  };
  format(0);
  if (ver >= 7) {
    let rem = ver;
    for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
    const v = (ver << 12) | rem;
    for (let i = 0; i < 18; i++) {
      const on = ((v >>> i) & 1) === 1;
      set(size - 11 + (i % 3), Math.floor(i / 3), on);
      set(Math.floor(i / 3), size - 11 + (i % 3), on);
    }
  }
  // Codewords in the zigzag.
  let n = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let vert = 0; vert < size; vert++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const y = ((right + 1) & 2) === 0 ? size - 1 - vert : vert;
        if (!fixed[y][x] && n < codewords.length * 8) {
          dark[y][x] = ((codewords[n >>> 3] >>> (7 - (n & 7))) & 1) === 1;
          n++;
        }
      }
    }
  }
  const MASKS = [
    (x, y) => (x + y) % 2 === 0,
    (x, y) => y % 2 === 0,
    (x) => x % 3 === 0,
    (x, y) => (x + y) % 3 === 0,
    (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
    (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
    (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
    (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
  ];
  const flip = (mask) => {
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (!fixed[y][x] && MASKS[mask](x, y)) dark[y][x] = !dark[y][x];
  };
  // The penalty's runs, 2x2 blocks and balance (enough to avoid the worst masks).
  const penalty = () => {
    let score = 0;
    let count = 0;
    for (let a = 0; a < size; a++) {
      for (const line of [(i) => dark[a][i], (i) => dark[i][a]]) {
        for (let i = 0, run = 1; i < size; i++, run++) {
          if (i === size - 1 || line(i) !== line(i + 1)) {
            if (run >= 5) score += run - 2;
            run = 0;
          }
        }
      }
      for (let b = 0; b < size; b++) {
        if (dark[a][b]) count++;
        if (a < size - 1 && b < size - 1 && dark[a][b] === dark[a][b + 1] && dark[a][b] === dark[a + 1][b] && dark[a][b] === dark[a + 1][b + 1]) score += 3;
      }
    }
    return score + Math.floor(Math.abs(count * 20 - size * size * 10) / (size * size)) * 10;
  };
  let best = 0;
  let lowest = Infinity;
  for (let mask = 0; mask < 8; mask++) {
    flip(mask);
    format(mask);
    const score = penalty();
    if (score < lowest) [best, lowest] = [mask, score];
    flip(mask);
  }
  flip(best);
  format(best);
  let path = '';
  dark.forEach((row, y) => row.forEach((on, x) => on && (path += `M${x} ${y}h1v1h-1z`)));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 ${size + 8} ${size + 8}" shape-rendering="crispEdges"><rect x="-4" y="-4" width="100%" height="100%" fill="#fff"/><path d="${path}"/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

// ---- screens -------------------------------------------------------------------------------

function show(screen) {
  for (const section of document.querySelectorAll('[data-screen]')) section.hidden = section.id !== screen;
  document.body.dataset.ready = 'true';
}

// Fill the page from the profile and the account center's field settings.
function render() {
  $('who').textContent = `Signed in as ${me.username || me.primaryEmail || me.name || me.id}.`;
  $('password-username').value = $('verify-username').value = me.username || me.primaryEmail || '';
  for (const field of ['name', 'username', 'avatar']) {
    const input = $(`profile-${field}`);
    input.closest('.field').hidden = access(field) === 'Off';
    input.readOnly = !editable(field);
    input.value = me[field] ?? '';
  }
  $('profile-part').hidden = ['name', 'username', 'avatar'].every((f) => access(f) === 'Off');
  $('profile-form').querySelector('button').hidden = !['name', 'username', 'avatar'].some(editable);
  $('password-part').hidden = !editable('password');
  $('email-part').hidden = access('email') === 'Off';
  $('email-current').textContent = me.primaryEmail ? `Your email is ${me.primaryEmail}.` : 'Your account has no email yet.';
  document.querySelector('label[for="email-new"]').textContent = me.primaryEmail ? 'New email' : 'Email';
  // While a code is on its way the code step shows instead of the form.
  $('email-form').hidden = !editable('email') || !$('email-code-form').hidden;
  $('mfa-part').hidden = access('mfa') === 'Off';
}

async function main() {
  const query = new URLSearchParams(location.search);
  try {
    if (query.has('code') || query.has('error')) await finishSignIn(query);
  } catch (error) {
    return showSignedOut(error.message);
  }
  token = token || JSON.parse(sessionStorage.getItem(`${KEY}.token`) || 'null');
  if (!token || token.expiresAt < Date.now() + 30_000) {
    // Straight to the sign-in page, unless the person just signed out here.
    if (sessionStorage.getItem(`${KEY}.signed-out`)) return showSignedOut('You are signed out.');
    return signIn();
  }
  sessionStorage.removeItem(`${KEY}.signed-out`);
  try {
    const [center, exp] = await Promise.all(
      ['/api/.well-known/account-center', '/api/.well-known/sign-in-exp'].map((path) =>
        fetch(path).then((r) => (r.ok ? r.json() : null), () => null),
      ),
    );
    // Without the settings the page offers everything and the Account API says what is off.
    const all = Object.fromEntries(['name', 'avatar', 'username', 'email', 'password', 'mfa'].map((f) => [f, 'Edit']));
    settings = center || { enabled: true, fields: all };
    // Without MFA settings offer what this page can add; the Account API refuses what is off.
    factorsEnabled = exp?.mfa?.factors ?? ['Totp', 'BackupCode'];
    if (settings.enabled === false) throw new ApiError('account_center.not_enabled', {}, 400);
    me = await api('GET', '/api/my-account');
    if (access('mfa') !== 'Off') await loadFactors().catch(() => (factors = []));
  } catch (error) {
    if ($('signed-out').hidden) showSignedOut(describe(error));
    return;
  }
  render();
  renderFactors();
  show('home');
}

$('sign-in').addEventListener('click', () => {
  sessionStorage.removeItem(`${KEY}.signed-out`);
  signIn();
});
$('sign-out').addEventListener('click', signOut);

main();
