// AWS Amplify JS v6's default `signIn` (USER_SRP_AUTH) against cogito under Node.js, pointed at
// it with `userPoolEndpoint`; then `fetchAuthSession` for the tokens, `signOut`, and a wrong
// password. Prints one JSON line: {"signedIn": bool, "step": "...", "idTokenUser": "...",
// "wrong": "<error name>: <message>"}.
//
// usage: node amplify.mjs <endpoint> <poolId> <clientId> <username> <password>
import { Amplify } from "aws-amplify";
import { fetchAuthSession, signIn, signOut } from "aws-amplify/auth";

const [endpoint, poolId, clientId, username, password] = process.argv.slice(2);
Amplify.configure({
  Auth: {
    Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: endpoint },
  },
});

const result = await signIn({ username, password });
const session = await fetchAuthSession();
const idTokenUser = session.tokens?.idToken?.payload?.["cognito:username"] ?? null;
await signOut();
let wrong = "signed in";
try {
  await signIn({ username, password: `${password}-wrong` });
} catch (e) {
  wrong = `${e.name}: ${e.message}`;
}
console.log(
  JSON.stringify({
    signedIn: result.isSignedIn,
    step: result.nextStep?.signInStep,
    idTokenUser,
    wrong,
  }),
);
