// amazon-cognito-identity-js answers a CUSTOM_AUTH e-mail-code challenge (reference §5.9):
// initiateAuth + sendCustomChallengeAnswer, reading the code from the test's mailbox URL.
// First three wrong codes (the flow must fail), then the right code, then a flow started with
// SRP (authenticateUser with the CUSTOM_AUTH flow type: PASSWORD_VERIFIER, then the code).
// Prints one JSON line: {"threeWrong", "custom", "srpThenCustom", "errors"}.
//
// usage: node custom.mjs <endpoint> <poolId> <clientId> <username> <password> <codeUrl>
import pkg from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = pkg;
const [endpoint, poolId, clientId, username, password, codeUrl] = process.argv.slice(2);
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
const errors = [];

async function mailedCode() {
  const resp = await fetch(codeUrl);
  return (await resp.text()).trim();
}

function idTokenUser(session) {
  return session.getIdToken().decodePayload()["cognito:username"];
}

// Runs a custom flow; `answerWith(n)` gives the n-th answer (n from 1).
function flow(start, answerWith) {
  const user = new CognitoUser({ Username: username, Pool: pool });
  user.setAuthenticationFlowType("CUSTOM_AUTH");
  return new Promise((resolve) => {
    let n = 0;
    const callbacks = {
      onSuccess: (session) => resolve({ ok: true, user: idTokenUser(session) }),
      onFailure: (err) => resolve({ ok: false, error: `${err.code}: ${err.message}` }),
      customChallenge: async (params) => {
        n += 1;
        if (params.delivery !== "EMAIL") errors.push(`public parameters: ${JSON.stringify(params)}`);
        user.sendCustomChallengeAnswer(await answerWith(n), callbacks);
      },
    };
    start(user, callbacks);
  });
}

const wrong = await flow(
  (user, cb) => user.initiateAuth(new AuthenticationDetails({ Username: username }), cb),
  async () => "000000",
);
const right = await flow(
  (user, cb) => user.initiateAuth(new AuthenticationDetails({ Username: username }), cb),
  () => mailedCode(),
);
const srp = await flow(
  (user, cb) =>
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), cb),
  () => mailedCode(),
);
if (!right.ok) errors.push(`custom: ${right.error}`);
if (!srp.ok) errors.push(`srp: ${srp.error}`);
console.log(
  JSON.stringify({
    threeWrong: wrong.ok ? "signed in" : wrong.error,
    custom: right.ok ? right.user : null,
    srpThenCustom: srp.ok ? srp.user : null,
    errors,
  }),
);
