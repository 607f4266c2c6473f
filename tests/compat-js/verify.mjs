// Verifies one cogito token with AWS's own verifier, aws-jwt-verify's CognitoJwtVerifier.
//
// Usage: node verify.mjs <userPoolId> <id|access> <clientId> <token> <jwksUrl>
// (or the environment: USER_POOL_ID, TOKEN_USE, CLIENT_ID, TOKEN, JWKS_URL).
//
// The Cognito issuer URL (https://cognito-idp.<region>.amazonaws.com/<pool>) is not reachable
// here, so the JWKS is fetched from cogito at <jwksUrl> and preloaded with cacheJwks(); the
// verifier then checks the signature, issuer, token_use, client and expiry exactly as it does for
// Amazon Cognito. Prints one JSON line: {"ok":true,"payload":{...}} or {"ok":false,"error":...}
// and exits 0 either way (1 only on bad usage or when the JWKS cannot be fetched).
import { CognitoJwtVerifier } from "aws-jwt-verify";

const [argPool, argUse, argClient, argToken, argJwks] = process.argv.slice(2);
const userPoolId = argPool ?? process.env.USER_POOL_ID;
const tokenUse = argUse ?? process.env.TOKEN_USE;
const clientId = argClient ?? process.env.CLIENT_ID;
const token = argToken ?? process.env.TOKEN;
const jwksUrl = argJwks ?? process.env.JWKS_URL;

if (!userPoolId || !tokenUse || !clientId || !token || !jwksUrl) {
  console.error("usage: node verify.mjs <userPoolId> <id|access> <clientId> <token> <jwksUrl>");
  process.exit(1);
}

const response = await fetch(jwksUrl);
if (!response.ok) {
  console.error(`JWKS fetch failed: HTTP ${response.status}`);
  process.exit(1);
}
const jwks = await response.json();

const verifier = CognitoJwtVerifier.create({ userPoolId, tokenUse, clientId });
verifier.cacheJwks(jwks);

try {
  const payload = await verifier.verify(token);
  console.log(JSON.stringify({ ok: true, payload }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: err?.constructor?.name ?? "Error", message: String(err?.message ?? err) }));
}
