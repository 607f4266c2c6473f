"""pycognito signs in to cogito with USER_SRP_AUTH `count` times in a row (fresh random values
each time), with or without a client secret, then once with a wrong password. Prints one JSON
line: {"ok": n, "errors": [...], "wrong": "<message>", "idTokenUser": "<cognito:username>"}.

usage: python srp.py <endpoint> <poolId> <clientId> <clientSecret or -> <username> <password> <count>
"""

import base64
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

endpoint, pool_id, client_id, secret, username, password, count = sys.argv[1:8]
secret = None if secret == "-" else secret
os.environ.setdefault("AWS_ACCESS_KEY_ID", "unused")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "unused")
client = boto3.client("cognito-idp", region_name=pool_id.split("_")[0], endpoint_url=endpoint)


def sign_in(pw):
    srp = AWSSRP(
        username=username,
        password=pw,
        pool_id=pool_id,
        client_id=client_id,
        client=client,
        client_secret=secret,
    )
    try:
        return True, srp.authenticate_user()
    except ClientError as e:
        err = e.response["Error"]
        return False, f"{err['Code']}: {err['Message']}"
    except Exception as e:  # pycognito raises its own errors for challenges
        return False, f"{type(e).__name__}: {e}"


ok, errors, id_user = 0, [], None
for _ in range(int(count)):
    success, result = sign_in(password)
    if success:
        ok += 1
        payload = result["AuthenticationResult"]["IdToken"].split(".")[1]
        payload += "=" * (-len(payload) % 4)
        id_user = json.loads(base64.urlsafe_b64decode(payload))["cognito:username"]
    else:
        errors.append(result)
success, wrong = sign_in(password + "-wrong")
print(json.dumps({"ok": ok, "errors": errors[:5], "wrong": "signed in" if success else wrong, "idTokenUser": id_user}))
