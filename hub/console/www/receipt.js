/* The console's public receipt page (GET /receipt, docs/console.md "Your
 * receipt"): no login. The code is sent only in a POST body, never in a
 * URL; a code given in the page's fragment (the kiosk's QR code,
 * /receipt#CODE) is moved into the field and the fragment removed. The
 * form token (GET /api/receipt/token) goes with every call. */
(function () {
  'use strict';
  var form = document.getElementById('receipt-form');
  var input = document.getElementById('receipt-code');
  var alertBox = document.getElementById('alert');
  var result = document.getElementById('receipt-result');
  var confirmBox = document.getElementById('receipt-confirm');
  var token = null;

  var words = {
    received: 'Your answers were received.',
    withdrawn: 'Your answers were withdrawn: they have been deleted from the hub, and from ' +
      'every kiosk the next time it connects.',
    pending: 'Your withdrawal is recorded. Your answers have not reached the hub yet; they ' +
      'will be deleted as soon as they do.',
    unknown: 'We have nothing under this code. If you answered only a little while ago, ' +
      'the kiosk may not have sent your answers yet: try again tomorrow.'
  };

  function show(el, yes) { el.hidden = !yes; }
  function fail(text) {
    alertBox.textContent = text;
    show(alertBox, true);
    alertBox.focus && alertBox.setAttribute('tabindex', '-1');
    alertBox.focus();
  }
  function getToken() {
    return fetch('/api/receipt/token', {credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (j) { token = j.token; });
  }
  function call(action) {
    show(alertBox, false);
    var send = function () {
      return fetch('/api/receipt', {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token || ''},
        body: JSON.stringify({code: input.value, action: action})
      });
    };
    return (token ? Promise.resolve() : getToken()).then(send).then(function (r) {
      return r.json().then(function (j) { return {status: r.status, body: j}; });
    }).then(function (r) {
      if (r.status === 403 && r.body.error === 'csrf') {
        return getToken().then(function () { return call(action); });
      }
      if (r.status !== 200) {
        input.setAttribute('aria-invalid', r.body.error === 'invalid_code' ? 'true' : 'false');
        fail(r.body.message || 'Something went wrong; please try again.');
        return null;
      }
      input.removeAttribute('aria-invalid');
      render(r.body);
      return r.body;
    }).catch(function () { fail('The hub cannot be reached; please try again later.'); });
  }
  function title(q) {
    if (!q) return '';
    var t = q.title || {};
    var lang = (navigator.language || 'en').split('-')[0];
    return t[lang] || t.en || q.id;
  }
  function render(st) {
    result.textContent = '';
    var h = document.createElement('h2');
    h.textContent = 'What happened';
    h.setAttribute('tabindex', '-1');
    var p = document.createElement('p');
    p.className = 'notice';
    p.textContent = words[st.status] || words.unknown;
    result.appendChild(h);
    result.appendChild(p);
    if (st.questionnaire) {
      var d = document.createElement('p');
      d.textContent = 'Questionnaire: ' + title(st.questionnaire) + ', answered on ' +
        st.received_on + '.';
      result.appendChild(d);
    }
    (st.outcomes || []).forEach(function (o) {
      var li = document.createElement('p');
      li.textContent = (o.on ? o.on + ': ' : '') + title({title: o.title, id: o.kind});
      result.appendChild(li);
    });
    if (st.status === 'received' || st.status === 'unknown') {
      var b = document.createElement('button');
      b.type = 'button';
      b.id = 'receipt-withdraw';
      b.className = 'danger';
      b.textContent = 'Withdraw my answers';
      b.addEventListener('click', function () {
        show(confirmBox, true);
        document.getElementById('confirm-title').focus();
      });
      var a = document.createElement('div');
      a.className = 'actions';
      a.appendChild(b);
      result.appendChild(a);
    }
    show(result, true);
    h.focus();
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    show(confirmBox, false);
    if (input.value.trim() === '') {
      input.setAttribute('aria-invalid', 'true');
      fail('Type your receipt code first.');
      return;
    }
    call('status');
  });
  document.getElementById('receipt-withdraw-yes').addEventListener('click', function () {
    show(confirmBox, false);
    call('withdraw');
  });
  document.getElementById('receipt-withdraw-no').addEventListener('click', function () {
    show(confirmBox, false);
    input.focus();
  });
  // The QR code's fragment: into the field, out of the address bar.
  if (location.hash.length > 1) {
    input.value = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, '', location.pathname);
  }
  // Nothing of the code stays when the page is left.
  window.addEventListener('pagehide', function () { input.value = ''; result.textContent = ''; });
  getToken().catch(function () {});
})();
