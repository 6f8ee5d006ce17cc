import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertOfficeToPdf, createDocumentEngine, DEFAULT_DOCUMENT_LIMITS, MediaError, officeConverterAvailable } from '../../src/index.ts';
import { noise, useTempDir } from '../media-files.ts';

const run = promisify(execFile);
const temp = useTempDir();
const engine = createDocumentEngine(DEFAULT_DOCUMENT_LIMITS);
afterAll(() => engine.close());
const TIMEOUT_MS = 60_000;

// The office documents are made here by LibreOffice itself, from plain text, CSV and a flat ODF
// presentation: no fixture files and no document library.
const SOURCES = {
  'letter.txt': { text: 'Rendition letter first line\nThe second line of the letter\n', to: 'docx' },
  'figures.csv': { text: 'name,amount\nRendition sheet alpha,41\nRendition sheet beta,42\n', to: 'xlsx' },
  'slides.fodp': {
    text: `<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation">
 <office:body><office:presentation>
  <draw:page draw:name="One"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="3cm"><draw:text-box><text:p>Rendition slide one</text:p></draw:text-box></draw:frame></draw:page>
  <draw:page draw:name="Two"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="3cm"><draw:text-box><text:p>Rendition slide two</text:p></draw:text-box></draw:frame></draw:page>
 </office:presentation></office:body>
</office:document>
`,
    to: 'pptx',
  },
} as const;
const documents: Record<'docx' | 'xlsx' | 'pptx', string> = { docx: '', xlsx: '', pptx: '' };

beforeAll(async () => {
  const sources = join(temp.path, 'sources');
  await mkdir(sources);
  await Promise.all(
    Object.entries(SOURCES).map(async ([name, { text, to }]) => {
      const input = join(sources, name);
      await writeFile(input, text);
      // A profile per run, so that the three start side by side; the version setting skips
      // LibreOffice's start-up graphics self-test (see office-converter.ts).
      const profile = await mkdtemp(join(temp.path, 'profile-'));
      await mkdir(join(profile, 'user'));
      await writeFile(
        join(profile, 'user', 'registrymodifications.xcu'),
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry"><item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.9</value></prop></item></oor:items>',
      );
      await run(
        'soffice',
        [`-env:UserInstallation=${pathToFileURL(profile).href}`, '--headless', '--norestore', '--convert-to', to, '--outdir', sources, input],
        {
          timeout: TIMEOUT_MS,
        },
      );
      documents[to] = join(sources, name.replace(/\.\w+$/, `.${to}`));
      await rm(profile, { recursive: true, force: true });
    }),
  );
}, 90_000);

/** Our processes whose command line mentions `needle` (LibreOffice's, after a run that should have killed them). */
async function processesMentioning(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(needle)) found.push(`${pid}: ${commandLine.replaceAll('\0', ' ')}`);
  }
  return found;
}

async function freshDir(name: string): Promise<string> {
  const path = join(temp.path, name);
  await mkdir(path);
  return path;
}

describe('convertOfficeToPdf', () => {
  it('refuses with a clear MediaError where LibreOffice is not installed', async () => {
    const input = join(temp.path, 'absent.rtf');
    await writeFile(input, '{\\rtf1 hello}');
    await expect(convertOfficeToPdf(input, temp.path, { timeoutMs: 5_000, office: null })).rejects.toMatchObject({
      name: 'MediaError',
      kind: 'unsupported',
      message: 'Office conversion is not available on this server',
    });
  });

  it('finds LibreOffice', async () => {
    expect(await officeConverterAvailable()).toBe(true);
  });

  it.each([
    ['docx', 1, ['Rendition letter first line', 'The second line of the letter']],
    ['xlsx', 1, ['Rendition sheet alpha', '42']],
    ['pptx', 2, ['Rendition slide one', 'Rendition slide two']],
  ] as const)(
    'converts a .%s to a PDF of %i page(s) holding its text',
    async (kind, pages, texts) => {
      const outputDir = await freshDir(`out-${kind}`);
      const pdf = await convertOfficeToPdf(documents[kind], outputDir, { timeoutMs: TIMEOUT_MS });
      expect(pdf).toBe(join(outputDir, `${kind === 'docx' ? 'letter' : kind === 'xlsx' ? 'figures' : 'slides'}.pdf`));
      expect(await readdir(outputDir)).toEqual([pdf.slice(outputDir.length + 1)]); // nothing else left behind
      expect((await engine.probePdf(pdf)).pages).toBe(pages);
      const text = (await engine.extractText(pdf)).map((page) => page.text).join('\n');
      for (const expected of texts) expect(text).toContain(expected);
    },
    TIMEOUT_MS,
  );

  it('kills LibreOffice whole at the timeout: MediaError timeout, no process and no file left', async () => {
    for (const timeoutMs of [1, 250]) {
      const outputDir = await freshDir(`out-timeout-${timeoutMs}`);
      const input = join(outputDir, `timeout-${timeoutMs}-${process.pid}.docx`);
      await writeFile(input, await readFile(documents.docx));
      const error = await convertOfficeToPdf(input, outputDir, { timeoutMs }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MediaError);
      expect(error).toMatchObject({ kind: 'timeout', message: 'Office conversion took too long' });
      // SIGKILL is immediate, but a killed process is listed until its parent has reaped it.
      let left = await processesMentioning(input);
      for (let tries = 0; left.length > 0 && tries < 20; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = await processesMentioning(input);
      }
      expect(left).toEqual([]);
      expect(await readdir(outputDir)).toEqual([input.slice(outputDir.length + 1)]);
    }
  }, 30_000);

  it('refuses a file that is not what its name says', async () => {
    const outputDir = await freshDir('out-garbage');
    const garbage = join(outputDir, 'garbage.docx');
    await writeFile(garbage, noise(5000));
    await expect(convertOfficeToPdf(garbage, outputDir, { timeoutMs: TIMEOUT_MS })).rejects.toMatchObject({
      name: 'MediaError',
      kind: 'corrupt',
      message: 'The file is not a valid DOCX document',
    });
    // An OLE compound file under an OOXML name is how Office stores a password-protected document.
    const encrypted = join(outputDir, 'locked.xlsx');
    await writeFile(encrypted, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), noise(4000)]));
    await expect(convertOfficeToPdf(encrypted, outputDir, { timeoutMs: TIMEOUT_MS })).rejects.toMatchObject({
      name: 'MediaError',
      kind: 'unsupported',
    });
    expect((await readdir(outputDir)).sort()).toEqual(['garbage.docx', 'locked.xlsx']);
  });

  it(
    'reports a document LibreOffice cannot load (a truncated .docx) as corrupt',
    async () => {
      const outputDir = await freshDir('out-truncated');
      const bytes = await readFile(documents.docx);
      const truncated = join(outputDir, 'truncated.docx');
      await writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
      const error = await convertOfficeToPdf(truncated, outputDir, { timeoutMs: TIMEOUT_MS }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MediaError);
      expect(error).toMatchObject({ kind: 'corrupt', message: 'The document could not be converted to PDF' });
      expect(await readdir(outputDir)).toEqual(['truncated.docx']);
    },
    TIMEOUT_MS,
  );

  it('takes no timeout that is not a positive integer', async () => {
    await expect(convertOfficeToPdf(documents.docx, temp.path, { timeoutMs: 0 })).rejects.toThrow(TypeError);
  });
});
