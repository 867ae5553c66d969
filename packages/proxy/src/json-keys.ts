const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * The first key that an object of the JSON text `text` holds twice, compared by decoded value (`"\u0061"`
 * repeats `"a"`), or `undefined` when every object's keys are distinct. `text` must be valid JSON (it has
 * passed `JSON.parse`). One pass with an explicit stack of the open containers, so any depth is safe.
 *
 * `JSON.parse` keeps the last of repeated keys while another parser may keep the first: a body checked as one
 * request could run as another upstream.
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-4
 */
export function repeatedKey(text: string): string | undefined {
  // No JSON parser in reach reports repeated keys, so the proxy scans the text itself.
  const open: (Set<string> | undefined)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(end); d !== QUOTE; d = text.charCodeAt(end)) {
        escaped ||= d === BACKSLASH;
        end += d === BACKSLASH ? 2 : 1;
      }
      const start = i + 1;
      i = end;
      if (!keyNext) continue;
      keyNext = false;
      const raw = text.slice(start, end);
      const key: string = escaped ? JSON.parse(`"${raw}"`) : raw;
      const keys = open.at(-1);
      if (keys?.has(key)) return key;
      keys?.add(key);
    } else if (c === OPEN_OBJECT) {
      open.push(new Set());
      keyNext = true;
    } else if (c === OPEN_ARRAY) {
      open.push(undefined);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      keyNext = false;
    } else if (c === COMMA) {
      keyNext = open.at(-1) !== undefined;
    }
  }
  return undefined;
}
