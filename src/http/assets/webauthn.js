// Security keys and passkeys for the agent panel (WebAuthn). No framework: finds its
// elements by id, talks JSON to /agent/2fa/keys/* and /agent/login/key/*, and sends the
// page's CSRF token in X-CSRF-Token.
(function () {
  "use strict";

  function fromB64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    return Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // WebIDL refuses null where a dictionary member is optional: leave such members out.
  function withoutNulls(value) {
    if (Array.isArray(value)) return value.map(withoutNulls);
    if (value && typeof value === "object" && !(value instanceof ArrayBuffer)) {
      var out = {};
      Object.keys(value).forEach(function (k) {
        if (value[k] !== null && value[k] !== undefined) out[k] = withoutNulls(value[k]);
      });
      return out;
    }
    return value;
  }

  async function post(url, csrf, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    });
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      throw new Error((data && data.error && data.error.message) || "The server answered " + response.status + ".");
    }
    return data;
  }

  function creationOptions(challenge) {
    var key = withoutNulls(challenge.publicKey);
    key.challenge = fromB64url(key.challenge);
    key.user.id = fromB64url(key.user.id);
    (key.excludeCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
    return { publicKey: key };
  }

  function requestOptions(challenge) {
    var key = withoutNulls(challenge.publicKey);
    key.challenge = fromB64url(key.challenge);
    (key.allowCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
    return { publicKey: key };
  }

  function registration(credential) {
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults(),
      response: {
        attestationObject: toB64url(r.attestationObject),
        clientDataJSON: toB64url(r.clientDataJSON),
        transports: r.getTransports ? r.getTransports() : []
      }
    };
  }

  function assertion(credential) {
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults(),
      response: {
        authenticatorData: toB64url(r.authenticatorData),
        clientDataJSON: toB64url(r.clientDataJSON),
        signature: toB64url(r.signature),
        userHandle: r.userHandle ? toB64url(r.userHandle) : null
      }
    };
  }

  function report(text) {
    var box = document.getElementById("webauthn-message");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function failure(error) {
    if (error && error.name === "NotAllowedError") {
      return "The security key did not answer, or the request was cancelled.";
    }
    return (error && error.message) || "Something went wrong with the security key.";
  }

  async function addKey(section) {
    report("");
    var name = document.getElementById("key-name").value.trim();
    if (!name) { report("Give the key a name first, e.g. “YubiKey on my keyring”."); return; }
    var csrf = section.dataset.csrf;
    try {
      var challenge = await post("/agent/2fa/keys/start", csrf);
      var credential = await navigator.credentials.create(creationOptions(challenge));
      await post("/agent/2fa/keys/finish", csrf, { name: name, credential: registration(credential) });
      window.location.reload();
    } catch (error) {
      report(failure(error));
    }
  }

  async function signIn(csrf, email) {
    report("");
    try {
      var started = await post("/agent/login/key/start", csrf, { email: email || "" });
      var credential = await navigator.credentials.get(requestOptions(started.challenge));
      var response = await fetch("/agent/login/key/finish", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": started.csrf },
        body: JSON.stringify(assertion(credential))
      });
      if (!response.ok) {
        var data = null;
        try { data = await response.json(); } catch (e) { data = null; }
        throw new Error((data && data.error && data.error.message) || "The key was not accepted.");
      }
      window.location.assign("/agent");
    } catch (error) {
      report(failure(error));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var supported = !!(window.PublicKeyCredential && navigator.credentials);
    var add = document.getElementById("add-key-button");
    if (add) {
      add.disabled = !supported;
      add.addEventListener("click", function () { addKey(document.getElementById("add-key")); });
    }
    var second = document.getElementById("use-security-key");
    if (second) {
      second.disabled = !supported;
      second.addEventListener("click", function () {
        signIn(document.getElementById("security-key").dataset.csrf, "");
      });
    }
    var alone = document.getElementById("sign-in-with-key");
    if (alone) {
      alone.hidden = !supported;
      alone.addEventListener("click", function () {
        var email = document.querySelector("input[name=email]").value.trim();
        if (!email) { report("Enter your email first."); return; }
        signIn(document.getElementById("passkey-login").dataset.csrf, email);
      });
    }
  });
})();
