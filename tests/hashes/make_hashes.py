"""Writes a `cogito users import` file whose users carry password hashes made by other systems'
libraries: bcrypt (pyca/bcrypt), PBKDF2 and scrypt (Python's hashlib, in PHC, passlib and Django
spellings), argon2id and argon2i (argon2-cffi), and Firebase's modified scrypt (hashlib scrypt
keying AES-256-CTR from pyca/cryptography, as Firebase's own tool does).

usage: make_hashes.py OUT.jsonl   (prints "username password" lines for the test)
"""

import base64
import hashlib
import json
import os
import sys

import argon2
import bcrypt
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def ab64(data: bytes) -> str:
    return b64(data).replace("+", ".")


def firebase(password: str) -> str:
    signer_key = os.urandom(64)
    separator = b"\x07"
    salt = os.urandom(12)
    rounds, mem_cost = 8, 14
    derived = hashlib.scrypt(
        password.encode(), salt=salt + separator, n=2**mem_cost, r=rounds, p=1, dklen=64
    )
    enc = Cipher(algorithms.AES(derived[:32]), modes.CTR(b"\0" * 16)).encryptor()
    hashed = enc.update(signer_key) + enc.finalize()
    std = lambda d: base64.b64encode(d).decode()
    return (
        f"$firebase-scrypt$key={std(signer_key)},sep={std(separator)},r={rounds},m={mem_cost}"
        f"${std(salt)}${std(hashed)}"
    )


def main() -> None:
    salt = os.urandom(16)
    users = {
        "bcrypt": lambda pw: bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=6)).decode(),
        "pbkdf2-sha256": lambda pw: "$pbkdf2-sha256$i=10000,l=32$%s$%s"
        % (b64(salt), b64(hashlib.pbkdf2_hmac("sha256", pw.encode(), salt, 10000))),
        "pbkdf2-sha512": lambda pw: "$pbkdf2-sha512$12000$%s$%s"
        % (ab64(salt), ab64(hashlib.pbkdf2_hmac("sha512", pw.encode(), salt, 12000))),
        "django": lambda pw: "pbkdf2_sha256$15000$plainsalt$%s"
        % base64.b64encode(
            hashlib.pbkdf2_hmac("sha256", pw.encode(), b"plainsalt", 15000)
        ).decode(),
        "scrypt": lambda pw: "$scrypt$ln=12,r=8,p=1$%s$%s"
        % (b64(salt), b64(hashlib.scrypt(pw.encode(), salt=salt, n=2**12, r=8, p=1, dklen=32))),
        "argon2id": lambda pw: argon2.PasswordHasher(
            time_cost=2, memory_cost=1024, parallelism=1, type=argon2.Type.ID
        ).hash(pw),
        "argon2i": lambda pw: argon2.PasswordHasher(
            time_cost=2, memory_cost=1024, parallelism=1, type=argon2.Type.I
        ).hash(pw),
        "firebase": firebase,
    }
    with open(sys.argv[1], "w") as out:
        for name, make in users.items():
            password = f"Old-{name}-Passw0rd!"
            line = {
                "username": f"user-{name}",
                "attributes": {"email": f"{name}@example.com", "email_verified": "true"},
                "password_hash": make(password),
            }
            out.write(json.dumps(line) + "\n")
            print(f"user-{name} {password}")


if __name__ == "__main__":
    main()
