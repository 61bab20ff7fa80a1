/**
 * Keeps secret values out of everything Phoenix writes. It knows the actual values (loaded
 * from the credential store, updated when secrets rotate) rather than guessing by key name,
 * because a secret leaks just as well through an error message or a command line.
 */
import { LiteralMatcher } from './literal-matcher.js';

/** What every occurrence of a secret becomes. */
export const REDACTED = '[REDACTED]';

/** Base64 cores shorter than this are not redacted: they would match ordinary text. */
const MIN_BASE64_CORE = 8;

/**
 * The base64 text a value becomes inside any base64 (standard and URL-safe alphabets), at each
 * of the three byte offsets it can start at: the characters that depend on its bytes alone
 * (the 4-character groups that hold neither a byte before it nor one after it).
 */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const whole = padded.subarray(0, padded.length - (padded.length % 3));
    const core = whole.toString('base64').slice(offset === 0 ? 0 : 4);
    if (core.length >= MIN_BASE64_CORE) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  // The whole value encoded on its own, padding included (`echo -n value | base64`).
  cores.push(bytes.toString('base64'));
  return cores;
}

/**
 * The spellings in which a value can reach a log line: as it is, escaped inside a JSON
 * string (quotes, backslashes, control characters), percent-encoded inside a URL (both
 * encodeURIComponent's and the form encoding's `+` for a space), and base64.
 */
function spellings(value: string): string[] {
  const url = encodeURIComponent(value);
  return [...new Set([value, JSON.stringify(value).slice(1, -1), url, url.replace(/%20/g, '+'), ...base64Cores(value)])].filter((s) => s !== '');
}

/**
 * A set of secret values, changeable at run time, and the redaction of text against it.
 * Every non-empty value is redacted however short: a short secret is still a secret, and
 * the matcher's cost does not depend on how many or how short the values are (it is linear
 * in the text; the automaton is rebuilt only after the set changes).
 */
export class SecretRedactor {
  private readonly values = new Set<string>();
  /** Built on first use after a change, so that a burst of additions costs one build. */
  private matcher: LiteralMatcher | undefined;

  /** @param values the secrets known at start-up */
  constructor(values: Iterable<string> = []) {
    this.add(...values);
  }

  /** How many secret values are known. */
  get size(): number {
    return this.values.size;
  }

  /**
   * Adds secret values (e.g. after loading or rotating a secret); empty strings are ignored. A
   * value ending in a newline (a secret file's usual last byte) is also known without it: that
   * is how a container prints it.
   */
  add(...values: string[]): void {
    for (const value of values) {
      for (const form of [value, value.replace(/\r?\n$/, '')]) if (form !== '') this.values.add(form);
    }
    this.matcher = undefined;
  }

  /** Forgets values (e.g. a rotated-out secret once nothing can still print it). */
  delete(...values: string[]): void {
    for (const value of values) this.values.delete(value);
    this.matcher = undefined;
  }

  /** Replaces the whole set, e.g. after reloading the credential store. */
  replaceAll(values: Iterable<string>): void {
    this.values.clear();
    this.add(...values);
  }

  /** True when the text contains a secret, in any of the spellings redact() knows. */
  contains(text: string): boolean {
    return this.values.size > 0 && this.automaton().test(text);
  }

  /** The text with every occurrence of every secret (in any spelling) replaced by `[REDACTED]`. */
  redact(text: string): string {
    if (this.values.size === 0) return text;
    return this.automaton().replace(text, REDACTED);
  }

  /**
   * Redacts one serialised JSON log line and keeps it valid JSON, which a blind replace
   * would not when a secret sits in a number or straddles a quote: a line that contains a
   * secret is parsed, redacted value by value (keys too) and serialised again. Lines
   * without secrets, the usual case, pass through untouched after one scan.
   */
  redactJsonLine(line: string): string {
    if (!this.contains(line)) return line;
    const newline = line.endsWith('\n') ? '\n' : '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return this.redact(line);
    }
    return JSON.stringify(this.redactValue(parsed)) + newline;
  }

  /** A copy of a JSON-like value with every string (keys too) redacted: for /status and events. */
  redactDeep<T>(value: T): T {
    return this.values.size === 0 ? value : (this.redactValue(value) as T);
  }

  private redactValue(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.redact(key), this.redactValue(item)]));
    }
    // Numbers, booleans and null: a secret such as a PIN can be all digits.
    return this.contains(String(value)) ? REDACTED : value;
  }

  private automaton(): LiteralMatcher {
    this.matcher ??= new LiteralMatcher([...this.values].flatMap(spellings));
    return this.matcher;
  }
}
