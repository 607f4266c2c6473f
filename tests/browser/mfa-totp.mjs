// Flow: a user of a pool with MFA ON signs in for the first time, is shown the TOTP set-up page
// (a QR code drawn by the server, and the key as text), enters a code computed here from that
// key, and lands on the callback; signing in again asks for a code on /mfa, refuses a wrong one
// and accepts the next time step's code. TOTP is computed with node:crypto (RFC 6238), not by
// cogito's code; `serverTimeMs` is the test server's (frozen) clock.
import crypto from 'node:crypto';
import { run } from './lib.mjs';

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '')) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

function totp(secret, unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const h = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = h[h.length - 1] & 0x0f;
  const n = (h.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

await run('mfa-totp', async (f) => {
  const { authorizeUrl, username, password, serverTimeMs } = f.cfg;
  const now = Math.floor(serverTimeMs / 1000);
  let secret;

  await f.step('sign in: the TOTP set-up page follows the password', async () => {
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
    await f.signIn(username, password);
    await f.expectPage('/mfa/setup');
    await f.shot('mfa-setup');
    const svg = await f.page.locator('#qr svg').count();
    if (svg !== 1) throw new Error('no QR code on the set-up page');
    secret = (await f.page.locator('code#secret').innerText()).trim();
    if (!/^[A-Z2-7]{16,}$/.test(secret)) throw new Error(`odd secret ${secret}`);
  });

  await f.step('enter a code of the new key', async () => {
    await f.fill('input#code', totp(secret, now));
    await f.submit();
  });
  await f.step('first callback', () => f.callback());
  const first = f.result.callback;

  await f.step('sign in again: a code is asked for', async () => {
    await f.forgetSession();
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
    await f.signIn(username, password);
    await f.expectPage('/mfa');
    await f.shot('mfa-code');
  });

  await f.step('a wrong code is refused on the page', async () => {
    const right = totp(secret, now + 30);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    await f.fill('input#code', wrong);
    await f.submit();
    await f.expectPage('/mfa');
    const facts = await f.describe('mfa-wrong');
    if (!facts.error) throw new Error('no error shown for a wrong code');
  });

  await f.step('the next time step signs in', async () => {
    await f.fill('input#code', totp(secret, now + 30));
    await f.submit();
  });
  await f.step('second callback', () => f.callback());
  f.result.firstCallback = first;
});
