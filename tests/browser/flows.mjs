// The example app's flow explorer (examples/webapp/tests/flows.rs): opens /flows, runs each
// flow, reports the hops drawn in its sequence diagram (order, lifelines, status) and the
// decoded tokens shown for its last token-bearing hop; then decodes a token on /jwt.
// Screenshots: <screenshotDir>/flows-<flow>.png and jwt-decoder.png.
//
// Extra configuration: appUrl, flows [ids].
import fs from 'node:fs';
import path from 'node:path';
import { run } from './lib.mjs';

await run('flows', async (f) => {
  const { appUrl, flows, screenshotDir } = f.cfg;
  const app = appUrl.replace(/\/$/, '');
  const shot = async (locator, name) => {
    if (!screenshotDir) return;
    fs.mkdirSync(screenshotDir, { recursive: true });
    const file = path.join(screenshotDir, `${name}.png`);
    await locator.screenshot({ path: file });
    f.result.screenshots.push(file);
  };
  await f.step('open /flows', () => f.goto(`${app}/flows`));
  f.result.flows = {};
  let sampleToken = null;
  for (const flow of flows) {
    f.result.flows[flow] = await f.step(`run ${flow}`, async () => {
      const section = f.page.locator(`#flow-${flow}`);
      await f.page.locator(`#run-${flow}`).click();
      await f.page.waitForSelector(`#flow-${flow}[data-state="done"], #flow-${flow}[data-state="failed"]`, {
        timeout: 30_000,
      });
      // Let the last arrow finish its animation.
      await f.page.waitForTimeout(900);
      const state = await section.getAttribute('data-state');
      const stateText = await f.page.locator(`#state-${flow}`).innerText();
      const hops = await section.locator('svg g.hop').evaluateAll((gs) =>
        gs.map((g) => ({
          seq: Number(g.dataset.seq),
          from: g.dataset.from,
          to: g.dataset.to,
          label: g.dataset.label,
          status: Number(g.dataset.status),
          tokens: Number(g.dataset.tokens),
          cogito: g.dataset.cogito,
        })),
      );
      const tokens = await section.locator('.detail .jwt').evaluateAll((js) =>
        js.map((j) => ({
          name: j.dataset.token,
          tokenUse: j.querySelector('.token-use')?.textContent,
          signature: j.querySelector('.signature')?.textContent,
          expiry: j.querySelector('.expiry')?.textContent,
          payload: JSON.parse(j.querySelector('.jwt-payload')?.textContent ?? 'null'),
        })),
      );
      const masked = await section.locator('.detail').innerText();
      if (!sampleToken) {
        sampleToken = await f.page.evaluate((fl) => {
          const run = window.flowRuns?.[fl];
          for (const hop of run?.hops ?? []) {
            const s = JSON.stringify(hop.response).match(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
            if (s) return s[0];
          }
          return null;
        }, flow);
      }
      await shot(section, `flows-${flow}`);
      return { state, stateText, hops, tokens, detailText: masked };
    });
  }
  f.result.jwt = await f.step('decode a token on /jwt', async () => {
    await f.goto(`${app}/jwt`);
    await f.fill('#token', sampleToken ?? '');
    await Promise.all([f.page.waitForNavigation({ waitUntil: 'load' }), f.page.locator('#decode').click()]);
    const out = {
      signature: await f.page.locator('#signature').innerText(),
      tokenUse: await f.page.locator('#token-use').innerText(),
      expiry: await f.page.locator('#expiry').innerText(),
    };
    await shot(f.page.locator('main'), 'jwt-decoder');
    return out;
  });
});
