// A real OpenID provider for Caseflow's single sign-on tests (never deployed).
//
// panva/node-oidc-provider (OpenID Certified) with: one static confidential client, the
// accounts of accounts.json (an in-memory store), a minimal accessible login form, consent
// implied for the one first-party client, RP-initiated logout. It listens on 127.0.0.1 on a
// free port and prints one JSON line, {"issuer": "http://127.0.0.1:<port>"}, once it answers.
//
//   node tests/oidc_provider/server.mjs        (tests/oidc_provider/fixture.py starts it)

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(new URL('./accounts.json', import.meta.url), 'utf8'));
const accountsBySub = new Map(config.accounts.map((account) => [account.claims.sub, account]));
const accountsByLogin = new Map(config.accounts.map((account) => [account.login, account]));

// Any local Caseflow (the test client's http://testserver, a live server on any port) may be
// sent back to; the path must be Caseflow's own callback or sign-in page.
const LOCAL_ORIGIN = String.raw`http://(?:localhost|127\.0\.0\.1|testserver)(?::\d+)?`;
const CALLBACK = new RegExp(`^${LOCAL_ORIGIN}/accounts/sso/callback/$`);
const AFTER_LOGOUT = new RegExp(`^${LOCAL_ORIGIN}/accounts/login/$`);

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function htmlPage(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Test ID</title>
<style>body{font-family:sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem}
label,input,button{display:block;font-size:1rem;margin:.3rem 0}input{width:100%;padding:.4rem}
button{padding:.5rem 1rem}.error{color:#a00000}</style></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginPage(uid, clientName, error = '') {
  return htmlPage(
    'Sign in to Test ID',
    `<p>${escape(clientName)} asks you to sign in.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Login name</label><input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" name="action" value="login">Continue</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>`,
  );
}

function keystore() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: 'test-key-1', use: 'sig', alg: 'RS256' }] };
}

function configuration() {
  return {
    clients: [
      {
        ...config.client,
        redirect_uris: ['http://localhost/accounts/sso/callback/'],
        post_logout_redirect_uris: ['http://localhost/accounts/login/'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: keystore(),
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = htmlPage(
            'Sign out of Test ID',
            `${form}<p>Do you also want to sign out of Test ID?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = htmlPage('Signed out', '<p>You are signed out of Test ID.</p>');
        },
      },
    },
    findAccount: async (ctx, sub) => {
      const account = accountsBySub.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account.claims }) };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = htmlPage('Test ID error', `<pre>${escape(JSON.stringify(out, null, 1))}</pre>`);
    },
    interactions: { url: async (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  };
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res, html, status = 200) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function signIn(provider, req, res, details) {
  const client = await provider.Client.find(details.params.client_id);
  const clientName = client?.clientName || details.params.client_id;
  if (req.method !== 'POST') return sendHtml(res, loginPage(details.uid, clientName));
  const form = await readForm(req);
  if (form.get('action') === 'cancel') {
    const result = { error: 'access_denied', error_description: 'The person cancelled the sign-in.' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  const account = accountsByLogin.get(form.get('login') || '');
  if (!account || account.password !== form.get('password')) {
    return sendHtml(res, loginPage(details.uid, clientName, 'Wrong login name or password.'));
  }
  const result = { login: { accountId: account.claims.sub } };
  return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

// Consent is implied for the one first-party client (node-oidc-provider's documented recipe).
async function consent(provider, req, res, details) {
  const { prompt, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function interaction(provider, req, res) {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') return await signIn(provider, req, res, details);
    return await consent(provider, req, res, details);
  } catch (error) {
    return sendHtml(res, htmlPage('Test ID error', `<p>${escape(error.message)}</p>`), 400);
  }
}

const server = createServer();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  provider.Client.prototype.redirectUriAllowed = (uri) => CALLBACK.test(uri);
  provider.Client.prototype.postLogoutRedirectUriAllowed = (uri) => AFTER_LOGOUT.test(uri);
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) return interaction(provider, req, res);
    return handle(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
