// Just enough HTML reading to drive Keycloak's login and consent pages over plain HTTP, without a browser.
// Both the `keycloak.v2` and the older `keycloak` login themes keep these ids and names stable:
// login form `#kc-form-login` with inputs `username` / `password`; consent form with a button named `accept`.

/** One HTML form: where it posts, and the name/value pairs a browser would submit (before the user types). */
export interface HtmlForm {
  readonly action: string;
  readonly fields: Record<string, string>;
  /** Names of the submit buttons / inputs in the form (e.g. `accept`, `cancel`, `login`). */
  readonly buttons: readonly string[];
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

/** Decode the HTML entities Keycloak's templates emit in attribute values. */
export function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return entities[lower] ?? match;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of tag.matchAll(
    /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g,
  )) {
    const name = match[1];
    if (name === undefined) continue;
    out[name.toLowerCase()] = decodeEntities(match[3] ?? match[4] ?? match[5] ?? '');
  }
  return out;
}

/** Every `<form>` in the page, with its hidden/prefilled inputs and its button names. */
export function parseForms(html: string, baseUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const formAttributes = attributes(match[1] ?? '');
    const body = match[2] ?? '';
    const fields: Record<string, string> = {};
    const buttons: string[] = [];
    for (const input of body.matchAll(/<(input|button)\b([^>]*)>/gi)) {
      const attrs = attributes(input[2] ?? '');
      const name = attrs.name;
      if (name === undefined || name === '') continue;
      const type = (attrs.type ?? (input[1]?.toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase();
      if (type === 'submit') buttons.push(name);
      else if (type !== 'checkbox' || 'checked' in attrs) fields[name] = attrs.value ?? '';
    }
    const action = new URL(formAttributes.action ?? baseUrl, baseUrl).toString();
    forms.push({ action, fields, buttons, ...(formAttributes.id ? { id: formAttributes.id } : {}) });
  }
  return forms;
}

/** The login form (`#kc-form-login`), if this page is Keycloak's login page. */
export function findLoginForm(html: string, baseUrl: string): HtmlForm | undefined {
  const forms = parseForms(html, baseUrl) as (HtmlForm & { id?: string })[];
  return forms.find(
    (form) => form.id === 'kc-form-login' || ('username' in form.fields && 'password' in form.fields),
  );
}

/** The consent form (the one with an `accept` button), if this page is Keycloak's OAuth grant page. */
export function findConsentForm(html: string, baseUrl: string): HtmlForm | undefined {
  return parseForms(html, baseUrl).find((form) => form.buttons.includes('accept'));
}

/** The visible error text of a Keycloak page (wrong password and the like), trimmed, or undefined. */
export function pageError(html: string): string | undefined {
  const match =
    /class="[^"]*kc-feedback-text[^"]*"[^>]*>([\s\S]*?)<\//i.exec(html) ??
    /id="input-error(?:-username|-password)?"[^>]*>([\s\S]*?)<\/(?:span|div)>/i.exec(html) ??
    /class="[^"]*(?:pf-v5-c-alert__title|alert-error)[^"]*"[^>]*>([\s\S]*?)<\//i.exec(html);
  const text = match?.[1]
    ?.replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text ? decodeEntities(text) : undefined;
}

/** The `<title>` of a page, for error messages about pages the flow does not know. */
export function pageTitle(html: string): string {
  return decodeEntities(/<title>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.trim() ?? '(no title)');
}
