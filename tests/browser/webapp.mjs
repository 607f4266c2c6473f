// The example app's web flow (examples/webapp/tests/browser.rs): sign in through the hosted UI
// as an Admin member (profile shows the group, the admin page opens, the session's access token
// calls the API), sign out through the pool's /logout, sign in as a plain user (the admin page
// answers 403).
//
// Extra configuration: appUrl, admin {username, password}, user {username, password}.
import { run } from './lib.mjs';

await run('webapp', async (f) => {
  const { appUrl, admin, user } = f.cfg;
  const app = appUrl.replace(/\/$/, '');
  const onApp = (route) => (u) => u.href.startsWith(app) && new URL(u.href).pathname === route;

  async function signIn(who) {
    await f.goto(`${app}/`);
    await f.page.locator('#sign-in').click();
    await f.expectPage('/login');
    await f.signIn(who.username, who.password);
    await f.page.waitForURL(onApp('/profile'), { waitUntil: 'load' });
  }

  async function groups() {
    return f.page.locator('#groups .chip').allInnerTexts();
  }

  await f.step('sign in as the Admin member', () => signIn(admin));
  f.result.adminGroups = await f.step('profile shows the groups', async () => {
    await f.describe('admin-profile');
    return groups();
  });
  f.result.adminUsername = await f.page.locator('#username').innerText();

  f.result.apiMe = await f.step('the session token calls the API', async () => {
    const token = (await f.page.locator('#access-token').textContent()).trim();
    const r = await f.page.request.get(`${app}/api/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: r.status(), body: await r.json() };
  });

  f.result.adminPageStatus = await f.step('the admin page opens', async () => {
    const r = await f.goto(`${app}/admin`);
    await f.describe('admin-page');
    return r.status();
  });
  f.result.adminPageUsers = await f.page.locator('#users tbody tr').count();

  await f.step('sign out through the pool', async () => {
    await f.page.locator('#sign-out').click();
    await f.page.waitForURL(onApp('/'), { waitUntil: 'load' });
    await f.describe('signed-out');
  });
  f.result.signedOut = (await f.page.locator('#nav-user').count()) === 0;
  f.result.profileAfterSignOut = await f.step('profile needs a new sign-in', async () => {
    await f.goto(`${app}/profile`);
    return f.domainPath();
  });

  await f.step('sign in as the plain user', () => signIn(user));
  f.result.userGroups = await groups();
  f.result.userPageStatus = await f.step('the admin page is forbidden', async () => {
    const r = await f.goto(`${app}/admin`);
    await f.describe('forbidden');
    return r.status();
  });
});
