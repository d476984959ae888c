"""conformance/srp.py against known vectors.

1. RFC 5054 Appendix B (1024-bit group, SHA-1, PAD to len(N)): the generic SRP-6a math of
   `srp_math`, parameterized by group, hash and padding, gives the RFC's k, x, A, u and S.
2. Cognito's variant (3072-bit group, SHA-256, "padded hex", HKDF "Caldera Derived Key",
   the PASSWORD_VERIFIER signature): a vector computed ONCE with an independent
   implementation, pycognito 2024.5.1 (pycognito/aws_srp.py, AWSSRP with a fixed small a,
   `get_password_authentication_key` and `process_challenge` with utcnow() fixed), in a
   throwaway venv outside this project; pasted here as constants (pycognito is not a
   dependency). Its B and salt are RFC 5054's, its a is RFC 5054's a repeated four times.
3. A Cognito-like server built from the same formulas derives the same key (and a wrong
   password does not), so the client agrees with the protocol, not only with itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from conformance import srp

# -- RFC 5054 Appendix B --------------------------------------------------------------------
RFC_N = int(
    "EEAF0AB9ADB38DD69C33F80AFA8FC5E86072618775FF3C0B9EA2314C9C256576D674DF7496EA81D3383B48"
    "13D692C6E0E0D5D8E250B98BE48E495C1D6089DAD15DC7D7B46154D6B6CE8EF4AD69B15D4982559B297BCF"
    "1885C529F566660E57EC68EDBC3C05726CC02FD4CBF4976EAA9AFD5138FE8376435B9FC61D2FC0EB06E3", 16)
RFC = {
    "I": "alice", "P": "password123", "s": "BEB25379D1A8581EB5A727673A2441EE",
    "k": "7556AA045AEF2CDD07ABAF0F665C3E818913186F",
    "x": "94B7555AABE9127CC58CCF4993DB6CF84D16C124",
    "a": "60975527035CF2AD1989806F0407210BC81EDC04E2762A56AFD529DDDA2D4393",
    "A": ("61D5E490F6F1B79547B0704C436F523DD0E560F0C64115BB72557EC44352E8903211C04692272D8B2D1A"
          "5358A2CF1B6E0BFCF99F921530EC8E39356179EAE45E42BA92AEACED825171E1E8B9AF6D9C03E1327F44"
          "BE087EF06530E69F66615261EEF54073CA11CF5858F0EDFDFE15EFEAB349EF5D76988A3672FAC47B0769447B"),
    "B": ("BD0C61512C692C0CB6D041FA01BB152D4916A1E77AF46AE105393011BAF38964DC46A0670DD125B95A98"
          "1652236F99D9B681CBF87837EC996C6DA04453728610D0C6DDB58B318885D7D82C7F8DEB75CE7BD4FBAA"
          "37089E6F9C6059F388838E7A00030B331EB76840910440B1B27AAEAEEB4012B7D7665238A8E3FB004B117B58"),
    "u": "CE38B9593487DA98554ED47D70A7AE5F462EF019",
    "S": ("B0DC82BABCF30674AE450C0287745E7990A3381F63B387AAF271A10D233861E359B48220F7C4693C9AE1"
          "2B0A6F67809F0876E2D013800D6C41BB59B6D5979B5C00A172B4A2A5903A0BDCAF8A709585EB2AFAFA8F"
          "3499B200210DCC1F10EB33943CD67FC88A2F39A4BE5BEC4EC0A3212DC346D7E474B29EDE8A469FFECA686E5A"),
}
RFC_GROUP = srp.Group(RFC_N, 2, lambda b: hashlib.sha1(b).digest(),
                      lambda v: v.to_bytes(128, "big"))


def test_rfc5054_appendix_b() -> None:
    assert RFC_GROUP.k == int(RFC["k"], 16)
    inner = hashlib.sha1(f"{RFC['I']}:{RFC['P']}".encode()).digest()
    x = RFC_GROUP.h(bytes.fromhex(RFC["s"]), inner)
    assert x == int(RFC["x"], 16)
    a_pub, u, s = srp.srp_math(RFC_GROUP, int(RFC["a"], 16), int(RFC["B"], 16), x)
    assert (a_pub, u, s) == (int(RFC["A"], 16), int(RFC["u"], 16), int(RFC["S"], 16))


# -- Cognito's variant, vector from pycognito 2024.5.1 --------------------------------------
POOL = "us-east-1_AbCdEfGhI"
USER = "alice-srp"
PASSWORD = "Cc0123456789ab9!"
SMALL_A = int(RFC["a"] * 4, 16)
SALT = RFC["s"].lower()
B_HEX = RFC["B"].lower()
SECRET_BLOCK = "c2VjcmV0LWJsb2NrLTAxMjM0NTY3ODk="  # base64("secret-block-0123456789")
WHEN = dt.datetime(2026, 11, 3, 17, 12, 44, tzinfo=dt.timezone.utc)
PYCOGNITO = {
    "A": ("656329670d42e76c4db86498de9add65f9849ae05448c27dedf1b7f83d09402f6ba98f9a22dd5c3f70b2"
          "923cc0372cf307f14add3a6dc6fbd06ac088fca203a191818211bcf8fe4733f8c0f6324e66a5af3c77f4"
          "ae58ac6f1e4f3ff9dcf1886701be4573c88de3bcf412cf52c4a6c7d654be2c1963f668d5cc82b1ee5b2d"
          "10b757fda48132f940cecd9b3dbfc8e6eee6d2cc98a0f28ee2b1cd1a9381a63139523f68e928f9cb971b"
          "7d7cc77f13a54f149e21c8610eea2cf26b5d5f2b633801d3753f007264d3e5c6bc9a70e68f50d1458065"
          "82332ab0b2bcbc845e19a80dedf2d36878e22f659cb39fc500893e53075b1140de967df8e0cd23b928e6"
          "50f37307ae0ffbcca79f19af8b93b86f92bf6c684901a178bd65d1ca04f2a394fc2ee4a792d85260b26d"
          "0ca998703234ed111fca4bd23ee8e3bc2497383e3c873e57cb44a760a4220286e462cdd53ad1d8474eb2"
          "ba8a0057716893a373926f2db3f70d806c7370f0ad981edd8f6fde5dd9b39c7f367ac01a16b042f7c293"
          "1491eb67f3c8"),
    "key": "f75e44a5fab56cfc0906a0833fa9e64e",
    "TIMESTAMP": "Tue Nov 3 17:12:44 UTC 2026",
    "PASSWORD_CLAIM_SIGNATURE": "VZsfkU6bd1ZdEUrutOvO7p2eaOLt+DGbut8T/cMc/sw=",
}


def test_cognito_vector_from_pycognito() -> None:
    client = srp.SrpClient(POOL, a=SMALL_A)
    assert client.a_hex == PYCOGNITO["A"]
    assert client.key(USER, PASSWORD, SALT, B_HEX).hex() == PYCOGNITO["key"]
    answer = client.answer({"USER_ID_FOR_SRP": USER, "USERNAME": USER, "SALT": SALT,
                            "SRP_B": B_HEX, "SECRET_BLOCK": SECRET_BLOCK}, PASSWORD, WHEN)
    assert answer == {"USERNAME": USER, "TIMESTAMP": PYCOGNITO["TIMESTAMP"],
                      "PASSWORD_CLAIM_SECRET_BLOCK": SECRET_BLOCK,
                      "PASSWORD_CLAIM_SIGNATURE": PYCOGNITO["PASSWORD_CLAIM_SIGNATURE"]}


def test_timestamp_format() -> None:
    assert srp.timestamp(dt.datetime(2026, 1, 5, 3, 4, 5, tzinfo=dt.timezone.utc)) == \
        "Mon Jan 5 03:04:05 UTC 2026"
    assert srp.timestamp(dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=dt.timezone.utc)) == \
        "Mon Nov 23 23:59:59 UTC 2026"


def test_pad_hex() -> None:
    assert srp.pad_hex(0x7F) == "7f"
    assert srp.pad_hex(0x80) == "0080"
    assert srp.pad_hex(0xABC) == "0abc"
    assert srp.pad_hex("f1") == "00f1"


def test_a_server_derives_the_same_key() -> None:
    client = srp.SrpClient(POOL)
    v = srp.verifier(POOL, USER, PASSWORD, SALT)
    b = int.from_bytes(hashlib.sha256(b"server b").digest(), "big")
    b_hex = format(srp.server_b(v, b), "x")
    expected = srp.server_key(client.big_a, b, v)
    assert client.key(USER, PASSWORD, SALT, b_hex) == expected
    assert client.key(USER, PASSWORD + "x", SALT, b_hex) != expected


def test_signature_binds_the_secret_block() -> None:
    client = srp.SrpClient(POOL, a=SMALL_A)
    one = client.signature(USER, PASSWORD, SALT, B_HEX, SECRET_BLOCK, PYCOGNITO["TIMESTAMP"])
    other = client.signature(USER, PASSWORD, SALT, B_HEX,
                             base64.b64encode(b"another block").decode(), PYCOGNITO["TIMESTAMP"])
    assert one == PYCOGNITO["PASSWORD_CLAIM_SIGNATURE"] and one != other
