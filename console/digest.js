// A daily digest (`digest.html?date=YYYY-MM-DD`), read through the signed-in API: digests quote
// engagements, so they are never served as public files on AWS. The digest is a self-contained
// page without scripts; it is shown in a sandboxed frame (no scripts, no same origin), so even
// text that slipped past its escaping could not act on the console.
import { getJson, initPage, readQuery, setStatus } from './console.js';

initPage();
const { date } = readQuery(['date']);
const frame = document.getElementById('digest');
const heading = document.getElementById('digest-heading');

if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
  setStatus('No digest named: open one from the live feed’s list of digests.', { error: true });
} else {
  heading.textContent = `Digest of ${date}`;
  document.title = `Digest of ${date} · Switchboard console`;
  setStatus('Loading…');
  getJson('digest', { date })
    .then((digest) => {
      frame.srcdoc = digest.html;
      frame.title = `The digest of ${date}`;
      frame.hidden = false;
      setStatus('');
    })
    .catch((error) => setStatus(`Could not load the digest of ${date} (${error.message}).`, { error: true }));
}
