// commonwork: a signing key held in the person's own browser (WebCrypto Ed25519).
//
// The key is made here, its backup file is saved by the person (the command line's key format:
// the 32-byte seed in base64url, which `commonwork id import NAME --secret-file FILE` takes),
// and then only a non-extractable copy is kept in IndexedDB: no script, this node's included,
// can read it out again. The pages post their forms as always; when a form would sign an
// action, the node answers with the action and this script signs it and posts the form again
// (services/signing.py on the node). The node never sees the secret.
"use strict";

const ACTION_DOMAIN = "commonwork/action/v1\n";
const KEY_DOMAIN = "commonwork/account-key/v1";
const DB_NAME = "commonwork-keys";
const STORE = "keys";
// PKCS#8 wrapping of an Ed25519 seed (RFC 8410): this prefix, then the 32 bytes.
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
  0x04, 0x22, 0x04, 0x20];
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// --- canonical JSON: the node's profile of RFC 8785 (journal/canonical.py) -------------------

function canon(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${value}`);
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(canon).join(",") + "]";
  const keys = Object.keys(value).sort(); // keys are [a-z0-9_]: code-unit order is byte order
  return "{" + keys.map((key) => JSON.stringify(key) + ":" + canon(value[key])).join(",") + "}";
}

// --- encodings --------------------------------------------------------------------------------

function b64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function b64urlDecode(text) {
  const padded = text.trim().replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(padded + "=".repeat((4 - (padded.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function base58(bytes) {
  let number = 0n;
  for (const byte of bytes) number = number * 256n + BigInt(byte);
  let text = "";
  while (number > 0n) {
    text = BASE58[Number(number % 58n)] + text;
    number /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    text = "1" + text;
  }
  return text;
}

function didOf(publicKey) {
  return "did:key:z" + base58(Uint8Array.from([0xed, 0x01, ...publicKey]));
}

const utf8 = (text) => new TextEncoder().encode(text);

// --- keys ---------------------------------------------------------------------------------------

async function generateKey() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return { did: didOf(b64urlDecode(jwk.x)), seed: jwk.d, jwk };
}

async function keyFromSeed(seedText) {
  const seed = b64urlDecode(seedText);
  if (seed.length !== 32) throw new Error("a backup file holds a 32-byte key in base64url");
  const pkcs8 = Uint8Array.from([...PKCS8_PREFIX, ...seed]);
  const key = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  return { did: didOf(b64urlDecode(jwk.x)), seed: jwk.d, jwk };
}

async function keepKey(made) {
  // Imported again, not extractable: from here on nothing can read the secret out.
  const key = await crypto.subtle.importKey(
    "jwk", { kty: "OKP", crv: "Ed25519", d: made.jwk.d, x: made.jwk.x },
    { name: "Ed25519" }, false, ["sign"]);
  const db = await openKeys();
  await request(db.transaction(STORE, "readwrite").objectStore(STORE).put({ did: made.did, key }));
  return key;
}

function openKeys() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "did" });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function heldKey(did) {
  const db = await openKeys();
  const found = await request(db.transaction(STORE).objectStore(STORE).get(did));
  return found ? found.key : null;
}

async function signBytes(key, bytes) {
  return b64url(await crypto.subtle.sign({ name: "Ed25519" }, key, bytes));
}

async function signAction(key, action) {
  return signBytes(key, utf8(ACTION_DOMAIN + canon(action)));
}

function proofMessage(email, did) {
  return utf8(`${KEY_DOMAIN}\n${email.trim().toLowerCase()}\n${did}`);
}

function saveBackup(made) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([made.seed + "\n"], { type: "text/plain" }));
  link.download = `commonwork-key-${made.did.slice(-8)}.txt`;
  document.body.append(link);
  link.click();
  link.remove();
  return link.download;
}

function say(where, text, testid = "key-message") {
  let note = where.querySelector(`[data-testid=${testid}]`);
  if (!note) {
    note = document.createElement("p");
    note.className = "alert";
    note.setAttribute("role", "alert");
    note.dataset.testid = testid;
    where.prepend(note);
  }
  note.textContent = text;
}

// --- forms of a person whose browser holds their key ------------------------------------------

async function postSigned(form, submitter, did) {
  const data = new FormData(form, submitter);
  const signed = [];
  for (let round = 0; round < 8; round += 1) {
    const answer = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { "X-Commonwork-Sign": "1", Accept: "text/html" },
      credentials: "same-origin",
    });
    if ((answer.headers.get("content-type") || "").startsWith("application/json")) {
      const reply = await answer.json();
      if (reply.location) {
        const target = new URL(reply.location, window.location.href);
        const here = new URL(window.location.href);
        window.location.assign(target.href);
        if (target.pathname + target.search === here.pathname + here.search) {
          window.location.reload(); // the same page at another anchor: show what changed
        }
        return;
      }
      if (reply.sign) {
        const key = await heldKey(did);
        if (!key) {
          say(form, "This browser does not hold your signing key: import your backup file on " +
            "your account page (/me), then try again.");
          return;
        }
        signed.push({ action: reply.sign, author_sig: await signAction(key, reply.sign) });
        data.set("commonwork_signed", JSON.stringify(signed));
        continue;
      }
    }
    const page = await answer.text(); // a refusal shown again, or the page the form led to
    document.open();
    document.write(page);
    document.close();
    return;
  }
}

function signFormsInBrowser() {
  const did = document.body.dataset.heldKey;
  if (!did) return;
  for (const form of document.querySelectorAll("form[method=post]")) {
    if (form.hasAttribute("data-plain")) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      postSigned(form, event.submitter, did).catch((error) => say(form, `Not sent: ${error}`));
    });
  }
}

// --- sign up with a key of one's own -------------------------------------------------------------

function signUpWithOwnKey() {
  const form = document.querySelector("[data-signup-form]");
  const choice = form && form.querySelector("[data-key-choice]");
  if (!choice || !window.crypto || !crypto.subtle) return;
  choice.hidden = false;
  const saved = form.querySelector("[data-backup-saved]");
  let made = null;
  form.addEventListener("submit", async (event) => {
    if (form.elements.key_kind.value !== "held") return; // the node keeps the key: as always
    event.preventDefault();
    try {
      if (!made) {
        made = await generateKey();
        const name = saveBackup(made);
        saved.hidden = false;
        saved.querySelector("input").required = true;
        say(form, `Your backup file ${name} was saved to your downloads. Keep it safe: it is ` +
          "the only copy of your key outside this browser, and this page cannot show it again. " +
          "Tick the box below and create your account.", "backup-note");
        return;
      }
      if (!saved.querySelector("input").checked) return;
      const key = await keepKey(made);
      form.elements.held_did.value = made.did;
      form.elements.held_proof.value = await signBytes(key, proofMessage(form.elements.email.value, made.did));
      made = null; // the secret is no longer kept by this page
      form.submit();
    } catch (error) {
      say(form, `Your browser could not make a key (${error}); choose to let the node keep it.`);
    }
  });
}

// --- the account page: move the key here, or import the backup ----------------------------------

function accountKey() {
  const section = document.querySelector("[data-key-section]");
  if (!section || !window.crypto || !crypto.subtle) return;
  const { did, email } = section.dataset;
  const status = section.querySelector("[data-key-status]");
  if (status) {
    heldKey(did).then((key) => {
      status.textContent = key
        ? "This browser holds your key: what you do on these pages is signed here."
        : "This browser does not hold your key yet: import your backup file below.";
      status.dataset.held = key ? "true" : "false";
    });
  }
  const importing = section.querySelector("[data-import-key]");
  if (importing) {
    importing.hidden = false;
    importing.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const file = importing.querySelector("input[type=file]").files[0];
        const made = await keyFromSeed(await file.text());
        if (made.did !== did) throw new Error(`that file holds the key ${made.did}, not yours`);
        await keepKey(made);
        window.location.reload();
      } catch (error) {
        say(importing, `Not imported: ${error.message || error}`);
      }
    });
  }
  const moving = section.querySelector("[data-hold-key]");
  if (moving) {
    moving.hidden = false;
    let made = null;
    moving.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        if (!made) {
          const answer = await fetch("/api/v1/me/key-export", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ password: moving.elements.password.value }),
            credentials: "same-origin",
          });
          const exported = await answer.json();
          if (!answer.ok) throw new Error(exported.detail);
          made = await keyFromSeed(exported.secret);
          const name = saveBackup(made);
          const saved = moving.querySelector("[data-backup-saved]");
          saved.hidden = false;
          saved.querySelector("input").required = true;
          say(moving, `Your backup file ${name} was saved to your downloads. Keep it safe, tick ` +
            "the box and confirm: the node then forgets its copy of your key.", "backup-note");
          return;
        }
        const key = await keepKey(made);
        const proof = await signBytes(key, proofMessage(email, did));
        const answer = await fetch("/api/v1/me/key/hold", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ proof }),
          credentials: "same-origin",
        });
        if (!answer.ok) throw new Error((await answer.json()).detail);
        made = null;
        window.location.reload();
      } catch (error) {
        say(moving, `Not moved: ${error.message || error}`);
      }
    });
  }
}

// For people who check what their browser does (and the tests): sign an action with a key
// given as its seed, the way the pages sign with the key in IndexedDB.
async function signWithSeed(seedText, action) {
  const made = await keyFromSeed(seedText);
  const key = await crypto.subtle.importKey(
    "jwk", { kty: "OKP", crv: "Ed25519", d: made.jwk.d, x: made.jwk.x },
    { name: "Ed25519" }, false, ["sign"]);
  return { did: made.did, canonical: canon(action), author_sig: await signAction(key, action) };
}

window.commonworkKeys = { canon, b64url, b64urlDecode, didOf, keyFromSeed, signAction, signWithSeed };

document.addEventListener("DOMContentLoaded", () => {
  signFormsInBrowser();
  signUpWithOwnKey();
  accountKey();
});
