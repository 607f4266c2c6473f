// amazon-cognito-identity-js signs in to cogito with its default flow, USER_SRP_AUTH, `count`
// times in a row (fresh random `a` each time), then once with a wrong password. Prints one JSON
// line: {"ok": <sign-ins that returned tokens>, "errors": [...], "wrong": "<message>",
// "idTokenUser": "<cognito:username of the last ID token>"}.
//
// usage: node srp.mjs <endpoint> <poolId> <clientId> <username> <password> <count>
import pkg from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = pkg;
const [endpoint, poolId, clientId, username, password, count] = process.argv.slice(2);
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });

function signIn(pw) {
  return new Promise((resolve) => {
    const user = new CognitoUser({ Username: username, Pool: pool });
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: pw }), {
      onSuccess: (session) => resolve({ ok: true, session }),
      onFailure: (err) => resolve({ ok: false, error: `${err.code}: ${err.message}` }),
      newPasswordRequired: () => resolve({ ok: false, error: "newPasswordRequired" }),
      mfaRequired: () => resolve({ ok: false, error: "mfaRequired" }),
      totpRequired: () => resolve({ ok: false, error: "totpRequired" }),
    });
  });
}

let ok = 0;
const errors = [];
let idTokenUser = null;
for (let i = 0; i < Number(count); i++) {
  const r = await signIn(password);
  if (r.ok) {
    ok++;
    idTokenUser = r.session.getIdToken().decodePayload()["cognito:username"];
  } else {
    errors.push(r.error);
  }
}
const wrong = await signIn(`${password}-wrong`);
console.log(JSON.stringify({ ok, errors: errors.slice(0, 5), wrong: wrong.error ?? "signed in", idTokenUser }));
