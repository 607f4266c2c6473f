// Flow 1: sign-up on the hosted pages, the confirmation code read from the dev outbox, sign-in,
// and the redirect to the client's callback with a code.
import { run } from './lib.mjs';

await run('signup', async (f) => {
  const { authorizeUrl, username, email, password } = f.cfg;

  await f.step('authorize redirects to /login', async () => {
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
    await f.shot('login');
  });

  await f.step('sign-up link leads to /signup', async () => {
    await f.follow('a#signup-link', '/signup');
    await f.shot('signup');
  });

  const known = await f.outboxIds(username);
  await f.step('submit the sign-up form', async () => {
    await f.fill('input#username', username);
    await f.fill('input#email', email);
    await f.fill('input#password', password);
    await f.submit();
    await f.expectPage('/confirmUser');
    await f.shot('confirm');
  });

  const code = await f.step('read the confirmation code', () =>
    f.newCode(username, known, 'SignUp'),
  );

  const landed = await f.step('confirm the account', async () => {
    await f.fill('input#code', code);
    await f.submit();
    return f.expectOneOf(['/login']);
  });
  f.result.afterConfirm = landed;
  if (landed !== 'callback') await f.describe('after-confirm');

  if (landed !== 'callback') {
    await f.step('sign in with the new account', () => f.signIn(username, password));
  }
  await f.step('redirect to the callback', () => f.callback());
});
