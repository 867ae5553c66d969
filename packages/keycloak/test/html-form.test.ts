import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findConsentForm, findLoginForm, pageError, parseForms } from '../src/html-form.js';

// Real pages served by Keycloak 26.7.3 (keycloak.v2 theme), captured from the mcp realm.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const base = 'http://127.0.0.1:40565/realms/mcp/protocol/openid-connect/auth';

describe('Keycloak login page', () => {
  it('finds #kc-form-login, its absolute action and its fields', () => {
    const form = findLoginForm(fixture('keycloak-26.7.3-login.html'), base);
    expect(form).toBeDefined();
    expect(form?.action).toMatch(/^http:\/\/127\.0\.0\.1:40565\/realms\/mcp\/login-actions\/authenticate\?/);
    expect(form?.action).not.toContain('&amp;');
    expect(Object.keys(form?.fields ?? {})).toEqual(
      expect.arrayContaining(['username', 'password', 'credentialId']),
    );
    expect(form?.buttons).toContain('login');
  });

  it('reads the error text after a wrong password', () => {
    expect(pageError(fixture('keycloak-26.7.3-login-error.html'))).toBe('Invalid username or password.');
    expect(pageError(fixture('keycloak-26.7.3-login.html'))).toBeUndefined();
  });

  it('does not mistake the login page for a consent page', () => {
    expect(findConsentForm(fixture('keycloak-26.7.3-login.html'), base)).toBeUndefined();
  });
});

describe('consent page', () => {
  // The shape of login-oauth-grant.ftl: hidden `code`, buttons `accept` and `cancel`.
  const consent = `<form class="form-actions" action="/realms/mcp/login-actions/consent?client_id=c&amp;tab_id=t" method="POST">
    <input type="hidden" name="code" value="abc&#39;d">
    <input type="checkbox" name="remember" value="on">
    <button id="kc-login" name="accept" type="submit">Yes</button>
    <button id="kc-cancel" name="cancel" type="submit">No</button></form>`;

  it('finds the form with the accept button, its hidden fields, and resolves the action', () => {
    const form = findConsentForm(consent, 'http://127.0.0.1:8080/realms/mcp/login-actions/authenticate');
    expect(form?.action).toBe('http://127.0.0.1:8080/realms/mcp/login-actions/consent?client_id=c&tab_id=t');
    expect(form?.fields).toEqual({ code: "abc'd" });
    expect(form?.buttons).toEqual(['accept', 'cancel']);
  });

  it('parses every form on a page', () => {
    expect(
      parseForms(`${consent}<form action="/x"><input name="a" value="1"></form>`, 'http://h/'),
    ).toHaveLength(2);
  });
});
