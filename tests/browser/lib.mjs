// Shared harness for the hosted-UI browser flows: launches Debian's Chromium through
// playwright-core, bounds every step, takes screenshots, reads codes from the dev outbox, and
// prints one JSON line with the outcome on stdout (the Rust test parses it).
//
// Configuration is one JSON object, given as the first argument or in COGITO_BROWSER_CONFIG:
//   authorizeUrl   full /oauth2/authorize URL of the test client (PKCE, state, scope included)
//   domainUrl      <app.url>/domain/<prefix>
//   callbackUrl    the registered redirect_uri (a listener in the Rust test)
//   state          the state sent to authorize (checked on the callback)
//   outboxUrl      <app.url>/_dev/outbox (the server runs with --dev)
//   poolId         pool of the users
//   username, email, password, newPassword, tempPassword   per flow
//   screenshotDir  where hosted-ui-<page>.png go (omit for none)
//   artifactDir    where a failing flow leaves its last screenshot and HTML
//   chromium       path of the browser (default /usr/bin/chromium)

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Upper bound of any single browser step (navigation, click, wait). */
export const STEP_TIMEOUT_MS = 15_000;
/** How long to wait for a code to show up in the outbox. */
const OUTBOX_TIMEOUT_MS = 10_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--font-render-hinting=none',
];

export function readConfig() {
  const raw = process.argv[2] ?? process.env.COGITO_BROWSER_CONFIG;
  if (!raw) {
    throw new Error('no configuration: pass a JSON object as the first argument');
  }
  return JSON.parse(raw);
}

/** One flow run: the browser, the current page, and the result reported on stdout. */
export class Flow {
  constructor(name, cfg) {
    this.name = name;
    this.cfg = cfg;
    this.result = {
      flow: name,
      ok: false,
      steps: [],
      pages: {},
      screenshots: [],
      console: [],
      serverErrors: [],
      navigations: [],
      failedResources: [],
      hints: [],
    };
    this.browser = null;
    this.context = null;
    this.page = null;
    this.userDataDir = null;
  }

  async launch() {
    // A fresh, empty profile for every run (the machine's closed network makes Chromium's
    // background services fail noisily otherwise; the flags above turn them off).
    this.userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogito-chromium-'));
    this.context = await chromium.launchPersistentContext(this.userDataDir, {
      executablePath: this.cfg.chromium ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: STEP_TIMEOUT_MS,
      viewport: { width: 1024, height: 720 },
      locale: 'en-US',
      timezoneId: 'UTC',
      colorScheme: 'light',
      reducedMotion: 'reduce',
    });
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    this.watch(this.page);
  }

  /** Drops cookies and storage: the next navigation starts without a hosted-UI session. */
  async forgetSession() {
    await this.context.clearCookies();
  }

  watch(page) {
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') {
        this.result.console.push(`${m.type()}: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => this.result.console.push(`pageerror: ${e.message}`));
    page.on('response', async (r) => {
      const req = r.request();
      const where = this.shortUrl(r.url());
      if (r.status() >= 500) {
        this.result.serverErrors.push(`${r.status()} ${req.method()} ${where}`);
      }
      if (req.resourceType() === 'document' && req.frame() === page.mainFrame()) {
        // The document requests, for the report: what was posted where, and with which cookies.
        const headers = await req.allHeaders().catch(() => ({}));
        const cookies = (headers.cookie ?? '').split(';').map((c) => c.split('=')[0].trim());
        this.result.navigations.push(
          `${r.status()} ${req.method()} ${where} cookies=[${cookies.filter(Boolean).join(',')}]` +
            (req.method() === 'POST'
              ? ` origin=${headers.origin ?? '-'} sec-fetch-site=${headers['sec-fetch-site'] ?? '-'}`
              : ''),
        );
        if (req.method() === 'POST' && r.status() === 403 && headers.origin === 'null') {
          this.result.hints.push(
            'A form POST was refused while the browser sent `Origin: null`: browsers send that ' +
              'on every POST from a page with `Referrer-Policy: no-referrer`, so a same-origin ' +
              'check must treat `Origin: null` like a missing Origin and decide by ' +
              `\`Sec-Fetch-Site\` (here: ${headers['sec-fetch-site'] ?? 'absent'}).`,
          );
        }
      } else if (r.status() >= 400) {
        this.result.failedResources.push(`${r.status()} ${req.method()} ${where}`);
      }
    });
  }

  async close() {
    try {
      await this.context?.close();
    } finally {
      if (this.userDataDir) {
        fs.rmSync(this.userDataDir, { recursive: true, force: true });
      }
    }
  }

  /** Runs a named step; a failure names the step it happened in. */
  async step(name, body) {
    const started = Date.now();
    const entry = { step: name };
    this.result.steps.push(entry);
    try {
      const out = await body();
      entry.ms = Date.now() - started;
      return out;
    } catch (e) {
      entry.ms = Date.now() - started;
      entry.failed = true;
      e.message = `step "${name}": ${e.message}`;
      throw e;
    }
  }

  /** Navigates and returns the main response. */
  async goto(url) {
    return this.page.goto(url, { waitUntil: 'load' });
  }

  /** A URL without the long authorize parameters, for the report. */
  shortUrl(url) {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search.length > 1 ? '?…' : ''}`;
  }

  /** Path relative to the domain root, e.g. `/login`. */
  domainPath(url = this.page.url()) {
    const u = new URL(url);
    const root = new URL(this.cfg.domainUrl).pathname.replace(/\/$/, '');
    return u.pathname.startsWith(root) ? u.pathname.slice(root.length) || '/' : u.pathname;
  }

  /** Waits until the browser shows the hosted page `route` (e.g. `/login`). */
  async expectPage(route) {
    await this.page.waitForURL((u) => this.domainPath(u.href) === route, {
      waitUntil: 'load',
    });
  }

  /** Waits until the browser is on one of `routes` or on the callback; returns which. */
  async expectOneOf(routes) {
    await this.page.waitForURL(
      (u) => u.href.startsWith(this.cfg.callbackUrl) || routes.includes(this.domainPath(u.href)),
      { waitUntil: 'load' },
    );
    const url = this.page.url();
    return url.startsWith(this.cfg.callbackUrl) ? 'callback' : this.domainPath(url);
  }

  /** Facts about the current page for the report (and the Rust test's checks). */
  async describe(key) {
    const facts = await this.page.evaluate(() => {
      const meta = document.querySelector('meta[name="viewport"]');
      const err = document.querySelector('#error');
      const visible = (el) => !!el && !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
      return {
        title: document.title,
        lang: document.documentElement.lang || null,
        viewportMeta: meta ? meta.getAttribute('content') : null,
        text: (document.body?.innerText ?? '').replace(/\s+/g, ' ').trim().slice(0, 600),
        error: visible(err) ? err.innerText.trim() : null,
        horizontalScroll: document.documentElement.scrollWidth > window.innerWidth,
      };
    });
    facts.path = this.domainPath();
    this.result.pages[key] = facts;
    return facts;
  }

  /** Screenshot of the whole page as `hosted-ui-<name>.png` (when a directory is given). */
  async shot(name) {
    return this.shotAs('hosted-ui', name);
  }

  /** Screenshot of the whole page as `<prefix>-<name>.png` (when a directory is given). */
  async shotAs(prefix, name) {
    await this.describe(name);
    if (this.cfg.artifactDir) {
      // The HTML beside the picture, for whoever debugs a failing step.
      fs.mkdirSync(this.cfg.artifactDir, { recursive: true });
      fs.writeFileSync(path.join(this.cfg.artifactDir, `${name}.html`), await this.page.content());
    }
    if (!this.cfg.screenshotDir) return;
    fs.mkdirSync(this.cfg.screenshotDir, { recursive: true });
    const file = path.join(this.cfg.screenshotDir, `${prefix}-${name}.png`);
    // Let web fonts and images settle; the pages must not need the network beyond the server.
    await this.page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
    await this.page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
    this.result.screenshots.push(file);
  }

  async fill(selector, value) {
    await this.page.locator(selector).fill(value);
  }

  /** Clicks `selector` (normally `button#submit`) and waits for the resulting navigation. */
  async submit(selector = 'button#submit') {
    const before = this.page.url();
    await Promise.all([
      this.page.waitForEvent('framenavigated', {
        predicate: (f) => f === this.page.mainFrame(),
      }),
      this.page.locator(selector).click(),
    ]);
    await this.page.waitForLoadState('load');
    return before !== this.page.url();
  }

  /** Clicks a link and waits for the page it leads to. */
  async follow(selector, route) {
    await this.page.locator(selector).click();
    await this.expectPage(route);
  }

  /** Fills the sign-in form and submits it. */
  async signIn(username, password) {
    await this.fill('form#login-form input#username', username);
    await this.fill('form#login-form input#password', password);
    await this.submit('form#login-form button#submit');
  }

  /** Ids of the outbox messages of a user (to tell new ones from old). */
  async outboxIds(username) {
    return new Set((await this.outbox(username)).map((m) => m.id));
  }

  async outbox(username) {
    const u = new URL(this.cfg.outboxUrl);
    u.searchParams.set('username', username);
    if (this.cfg.poolId) u.searchParams.set('pool', this.cfg.poolId);
    const r = await fetch(u, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
    if (!r.ok) throw new Error(`GET ${u} answered ${r.status}`);
    return r.json();
  }

  /** Waits for a message with a code that was not in `known`; returns the code. */
  async newCode(username, known, purpose) {
    const deadline = Date.now() + OUTBOX_TIMEOUT_MS;
    for (;;) {
      const fresh = (await this.outbox(username)).filter(
        (m) => !known.has(m.id) && m.code && (!purpose || m.purpose === purpose),
      );
      if (fresh.length > 0) {
        this.result.steps.push({ step: `outbox: ${fresh[0].purpose} code for ${username}` });
        return fresh[0].code;
      }
      if (Date.now() > deadline) {
        throw new Error(`no new ${purpose ?? ''} code for ${username} in the outbox`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Waits for the redirect to the client's callback; records and returns its parameters. */
  async callback() {
    await this.page.waitForURL((u) => u.href.startsWith(this.cfg.callbackUrl), {
      waitUntil: 'load',
    });
    const u = new URL(this.page.url());
    const cb = Object.fromEntries(u.searchParams);
    cb.url = u.href;
    if (cb.error) {
      throw new Error(`the callback carries an error: ${cb.error} ${cb.error_description ?? ''}`);
    }
    if (!cb.code) throw new Error(`the callback carries no code: ${u.href}`);
    if (this.cfg.state !== undefined && cb.state !== this.cfg.state) {
      throw new Error(`state ${JSON.stringify(cb.state)} is not ${JSON.stringify(this.cfg.state)}`);
    }
    this.result.callback = cb;
    return cb;
  }

  async saveFailure() {
    if (!this.page || !this.cfg.artifactDir) return;
    try {
      fs.mkdirSync(this.cfg.artifactDir, { recursive: true });
      const base = path.join(this.cfg.artifactDir, `${this.name}-failure`);
      await this.page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 });
      fs.writeFileSync(`${base}.html`, await this.page.content());
      this.result.failureArtifacts = [`${base}.png`, `${base}.html`];
    } catch (e) {
      this.result.failureArtifacts = [`could not save: ${e.message}`];
    }
  }
}

/** Runs a flow and prints its result as one JSON line; the exit code tells success. */
export async function run(name, body) {
  let flow;
  try {
    flow = new Flow(name, readConfig());
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ flow: name, ok: false, error: String(e) })}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    await flow.step('launch chromium', () => flow.launch());
    await body(flow);
    flow.result.ok = true;
  } catch (e) {
    flow.result.error = String(e?.stack ?? e).replace(/\u001b\[[0-9;]*m/g, '');
    flow.result.url = flow.page?.url();
    if (flow.page) {
      flow.result.lastPage = await flow.describe('failure').catch(() => null);
    }
    await flow.saveFailure();
  } finally {
    await flow.close().catch(() => {});
  }
  process.stdout.write(`${JSON.stringify(flow.result)}\n`);
  process.exitCode = flow.result.ok ? 0 : 1;
}
