// Flow 3: an invited user (AdminCreateUser with a temporary password) signs in, is asked for a
// new password (NEW_PASSWORD_REQUIRED), chooses one and lands on the callback.
import { run } from './lib.mjs';

await run('new-password', async (f) => {
  const { authorizeUrl, username, tempPassword, newPassword } = f.cfg;

  await f.step('authorize redirects to /login', async () => {
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
  });

  await f.step('sign in with the temporary password', async () => {
    await f.signIn(username, tempPassword);
    await f.expectPage('/newPassword');
    await f.shot('new-password');
  });

  await f.step('choose a new password', async () => {
    await f.fill('input#password', newPassword);
    await f.fill('input#password-confirm', newPassword);
    await f.submit();
  });
  await f.step('redirect to the callback', () => f.callback());
});
