// Flow 2: forgot password on the hosted pages, the reset code read from the dev outbox, a new
// password, then (in a fresh session) the old password refused and the new one signing in.
import { run } from './lib.mjs';

await run('forgot-password', async (f) => {
  const { authorizeUrl, username, password, newPassword } = f.cfg;

  await f.step('authorize redirects to /login', async () => {
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
  });

  await f.step('forgot-password link leads to /forgotPassword', async () => {
    await f.follow('a#forgot-link', '/forgotPassword');
    await f.shot('forgot');
  });

  const known = await f.outboxIds(username);
  await f.step('ask for a reset code', async () => {
    await f.fill('input#username', username);
    await f.submit();
    await f.expectPage('/confirmForgotPassword');
    await f.shot('confirm-forgot');
  });

  const code = await f.step('read the reset code', () =>
    f.newCode(username, known, 'ForgotPassword'),
  );

  f.result.afterReset = await f.step('set the new password', async () => {
    await f.fill('input#code', code);
    await f.fill('input#password', newPassword);
    await f.submit();
    const landed = await f.expectOneOf(['/login']);
    if (landed !== 'callback') await f.describe('after-reset');
    return landed;
  });

  await f.step('a fresh session starts at /login', async () => {
    await f.forgetSession();
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
  });

  await f.step('the old password is refused', async () => {
    await f.signIn(username, password);
    await f.expectPage('/login');
    await f.page.locator('div#error').waitFor({ state: 'visible' });
    await f.shot('login-error');
  });

  await f.step('sign in with the new password', () => f.signIn(username, newPassword));
  await f.step('redirect to the callback', () => f.callback());
});
