// amazon-cognito-identity-js remembers a device and then signs in with DEVICE_SRP_AUTH instead
// of the second factor (reference §5.8). The user has TOTP turned on: the first sign-in (SRP)
// asks for a code, which is computed here with node:crypto; the library then confirms the
// device it was handed (ConfirmDevice with its own SRP verifier). The second sign-in sends the
// device key, answers DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER and must not be asked for a
// code. Prints one JSON line: {"firstMfa", "deviceKey", "secondMfa", "secondOk",
// "accessDeviceKey", "errors"}.
//
// usage: node device.mjs <endpoint> <poolId> <clientId> <username> <password> <totpSecret>
//        <serverTimeMs>
import crypto from "node:crypto";
import pkg from "amazon-cognito-identity-js";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = pkg;
const [endpoint, poolId, clientId, username, password, secret, serverTimeMs] =
  process.argv.slice(2);
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });

function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

function totp(unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const h = crypto.createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = h[h.length - 1] & 0x0f;
  return String((h.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

const errors = [];
const user = new CognitoUser({ Username: username, Pool: pool });

function signIn(code) {
  return new Promise((resolve) => {
    let askedForCode = false;
    const callbacks = {
      onSuccess: (session) => resolve({ ok: true, session, askedForCode }),
      onFailure: (err) => resolve({ ok: false, error: `${err.code}: ${err.message}`, askedForCode }),
      newPasswordRequired: () => resolve({ ok: false, error: "newPasswordRequired" }),
      mfaRequired: () => resolve({ ok: false, error: "mfaRequired" }),
      totpRequired: () => {
        askedForCode = true;
        if (!code) {
          resolve({ ok: false, error: "totpRequired", askedForCode });
          return;
        }
        user.sendMFACode(code, callbacks, "SOFTWARE_TOKEN_MFA");
      },
    };
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), callbacks);
  });
}

const now = Math.floor(Number(serverTimeMs) / 1000);
const first = await signIn(totp(now + 30));
if (!first.ok) errors.push(`first: ${first.error}`);
const deviceKey = user.deviceKey ?? null;
const second = await signIn(null);
if (!second.ok) errors.push(`second: ${second.error}`);
const accessDeviceKey = second.ok
  ? second.session.getAccessToken().decodePayload().device_key ?? null
  : null;
console.log(
  JSON.stringify({
    firstMfa: first.askedForCode,
    deviceKey,
    secondMfa: second.askedForCode ?? null,
    secondOk: second.ok,
    accessDeviceKey,
    errors,
  }),
);
