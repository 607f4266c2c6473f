// The pages that need no account: the error page for an untrusted authorization request (never
// a redirect), the sign-in page in French (`lang=fr`), on a phone-sized screen and in dark mode.
import { run } from './lib.mjs';

await run('error-page', async (f) => {
  const { authorizeUrl, domainUrl } = f.cfg;

  await f.step('unknown client_id renders the error page', async () => {
    const resp = await f.goto(`${domainUrl}/oauth2/authorize?client_id=nope`);
    f.result.errorStatus = resp?.status() ?? null;
    f.result.errorRedirected = (resp?.request().redirectedFrom() ?? null) !== null;
    await f.shot('error');
  });

  await f.step('sign-in page in English', async () => {
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
    await f.describe('login-en');
  });

  await f.step('sign-in page with lang=fr', async () => {
    await f.forgetSession();
    await f.goto(`${authorizeUrl}&lang=fr`);
    await f.expectPage('/login');
    await f.shot('login-fr');
  });

  await f.step('sign-in page on a phone-sized screen', async () => {
    await f.forgetSession();
    await f.page.setViewportSize({ width: 390, height: 760 });
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
    await f.shot('login-mobile');
  });

  await f.step('sign-in page in dark mode', async () => {
    await f.page.setViewportSize({ width: 1024, height: 720 });
    await f.page.emulateMedia({ colorScheme: 'dark' });
    await f.goto(authorizeUrl);
    await f.expectPage('/login');
    await f.shot('login-dark');
  });
});
