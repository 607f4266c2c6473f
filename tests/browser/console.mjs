// The admin console driven as an operator would: sign in with the admin key pair, create a pool
// and a client, give the pool a domain, create a user and reset their password, search users
// with a filter, rotate the signing keys, and change the hosted login's CSS, then open its
// preview and check the new style applies. Screenshots: console-<page>.png.
//
// Extra configuration: consoleUrl (<app.url>/console), accessKeyId, secretAccessKey,
// domainPrefix, callback (a callback URL for the new client).
import { run } from './lib.mjs';

const COLOR = 'rgb(12, 34, 56)';

await run('console', async (f) => {
  const { consoleUrl, accessKeyId, secretAccessKey, domainPrefix, callback } = f.cfg;
  const page = () => f.page;
  const text = async (sel) => (await page().locator(sel).innerText()).trim();
  const click = (sel) => f.submit(sel);

  await f.step('a console page without a session leads to the sign-in', async () => {
    await f.goto(`${consoleUrl}/outbox`);
    await page().waitForURL((u) => u.pathname === '/console/login');
    await f.shotAs('console', 'login');
  });

  await f.step('a wrong secret is refused', async () => {
    await f.fill('#access_key_id', accessKeyId);
    await f.fill('#secret_access_key', 'not-the-secret');
    await click('#sign-in');
    f.result.wrongSecretError = await text('#error');
  });

  await f.step('sign in with the admin key pair', async () => {
    await f.fill('#access_key_id', accessKeyId);
    await f.fill('#secret_access_key', secretAccessKey);
    await click('#sign-in');
    await page().waitForURL((u) => u.pathname === '/console');
  });

  await f.step('create a pool', async () => {
    await f.fill('#pool-name', 'console-pool');
    await click('#create-pool-button');
    await page().waitForURL((u) => u.pathname.startsWith('/console/pools/'));
    f.result.poolId = await text('#pool-id');
    f.result.poolNotice = await text('#notice');
  });

  await f.step('create a client with a secret', async () => {
    await f.fill('#client-name', 'web');
    await f.fill('#callback-urls', callback);
    await page().locator('#client-secret').check();
    await click('#create-client-button');
    f.result.clientId = await text('#new-client-id');
    f.result.clientSecret = await text('#new-client-secret');
    await f.shotAs('console', 'pool');
  });

  await f.step('the secret is not shown again', async () => {
    await f.goto(`${consoleUrl}/pools/${f.result.poolId}`);
    f.result.secretShownAgain = (await page().content()).includes(f.result.clientSecret);
  });

  await f.step('edit the pool settings and the client URLs', async () => {
    await f.fill('#minimum-length', '12');
    await page().locator('#self-sign-up').uncheck();
    await click('#save-settings');
    f.result.settingsNotice = await text('#notice');
    await page().locator('details summary').first().click();
    await f.fill('form.edit-client textarea[name=callback_urls]', `${callback}\n${callback}-2`);
    await click('form.edit-client button');
    f.result.clientNotice = await text('#notice');
  });

  await f.step('create a domain', async () => {
    await f.fill('#domain-prefix', domainPrefix);
    await click('#create-domain-button');
    f.result.domain = await text('#domain');
  });

  await f.step('create a user', async () => {
    await f.goto(`${consoleUrl}/pools/${f.result.poolId}/users`);
    await f.fill('#new-username', 'olivia');
    await f.fill('#new-email', 'olivia@example.com');
    await f.fill('#new-password', 'Temp-Passw0rd!');
    await page().locator('input[name=suppress]').check();
    await click('#create-user-button');
    f.result.createdStatus = await text('#user-status');
  });

  await f.step('set her a permanent password', async () => {
    await f.fill('#password', 'Olivia-Passw0rd!');
    await click('#set-password button');
    f.result.confirmedStatus = await text('#user-status');
  });

  await f.step('reset her password', async () => {
    await click('#reset-password');
    f.result.resetStatus = await text('#user-status');
    f.result.resetNotice = await text('#notice');
    await f.shotAs('console', 'user');
  });

  await f.step('search users with a filter', async () => {
    await f.goto(`${consoleUrl}/pools/${f.result.poolId}/users`);
    await f.fill('#filter', 'username ^= "oli"');
    await click('#search-button');
    f.result.found = await page().locator('a.user-link').allInnerTexts();
    await f.shotAs('console', 'users');
    await f.fill('#filter', 'email = "nobody@example.com"');
    await click('#search-button');
    f.result.foundNone = await page().locator('#no-users').count();
  });

  await f.step('rotate the signing keys', async () => {
    await f.goto(`${consoleUrl}/pools/${f.result.poolId}`);
    await click('#rotate-keys-button');
    f.result.rotateNotice = await text('#notice');
  });

  await f.step('change the hosted login CSS and preview it', async () => {
    await f.fill('#css', `body { background-color: ${COLOR}; }`);
    await click('#save-ui');
    f.result.uiNotice = await text('#notice');
    await click('#preview-link');
    await page().waitForURL((u) => u.pathname.endsWith('/login'));
    f.result.previewBackground = await page().evaluate(
      () => getComputedStyle(document.body).backgroundColor,
    );
    f.result.expectedBackground = COLOR;
    await f.shotAs('console', 'preview');
  });

  await f.step('the console on a phone-sized screen', async () => {
    await page().setViewportSize({ width: 390, height: 760 });
    await f.goto(`${consoleUrl}/pools/${f.result.poolId}/users`);
    f.result.phoneScroll = await page().evaluate(
      () => document.documentElement.scrollWidth > window.innerWidth,
    );
    await f.shotAs('console', 'users-mobile');
  });

  await f.step('sign out', async () => {
    await page().setViewportSize({ width: 1024, height: 720 });
    await f.goto(consoleUrl);
    await click('#sign-out');
    await page().waitForURL((u) => u.pathname === '/console/login');
    await f.goto(consoleUrl);
    f.result.afterSignOut = new URL(page().url()).pathname;
  });
});
