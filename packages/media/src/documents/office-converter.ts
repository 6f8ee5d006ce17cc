import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MediaError } from '../media-error.ts';

/** Where distributions and the official packages put LibreOffice; tried before a PATH lookup. */
const KNOWN_LOCATIONS = [
  '/usr/bin/soffice',
  '/usr/local/bin/soffice',
  '/usr/lib/libreoffice/program/soffice',
  '/opt/libreoffice/program/soffice',
  '/usr/bin/libreoffice',
  '/usr/local/bin/libreoffice',
  '/Applications/LibreOffice.app/Contents/MacOS/soffice',
];
/** Names the operating system looks up on PATH when none of the locations above exists. */
const PATH_NAMES = ['soffice', 'libreoffice'];
const PROBE_TIMEOUT_MS = 15_000;
/** What of LibreOffice's output is kept for an error's cause. */
const OUTPUT_KEPT = 4096;

/** Formats that are ZIP packages (OOXML, ODF): anything else under these names is not what it says. */
const ZIP_PACKAGES = new Set([
  'docx',
  'docm',
  'dotx',
  'dotm',
  'xlsx',
  'xlsm',
  'xltx',
  'xltm',
  'xlsb',
  'pptx',
  'pptm',
  'potx',
  'potm',
  'ppsx',
  'ppsm',
  'odt',
  'ott',
  'ods',
  'ots',
  'odp',
  'otp',
  'odg',
  'otg',
]);
const ZIP_SIGNATURE = Buffer.from('PK\x03\x04', 'latin1');
/** An OLE compound file: what a password-protected OOXML document really is. */
const OLE_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const RTF_SIGNATURE = Buffer.from('{\\rtf', 'latin1');

const UNAVAILABLE = 'Office conversion is not available on this server';
const FAILED = 'The document could not be converted to PDF';
const TIMED_OUT = 'Office conversion took too long';

/**
 * The throwaway profile's settings: no macro ever runs (whatever the document asks), and no linked
 * resource is fetched from outside the document (BlockUntrustedRefererLinks). `ooSetupLastVersion`
 * above the installed version: LibreOffice runs its graphics self-tests (~5 s) at every start whose
 * profile has not recorded the current version, which a headless run never records.
 */
const PROFILE_SETTINGS = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.9</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
`;

let located: Promise<string | null> | undefined;

/** Whether a LibreOffice binary (soffice) is installed. */
export async function officeConverterAvailable(): Promise<boolean> {
  return (await locateOffice()) !== null;
}

/**
 * LibreOffice headless converts the office document at `inputPath` (docx, doc, xlsx, xls, pptx, ppt,
 * odt, ods, odp, rtf, ...) to PDF and returns the PDF's path: `outputDir/<input's name>.pdf`, which
 * appears complete or not at all (LibreOffice writes into a private folder first).
 *
 * Every run starts its own LibreOffice with a throwaway profile (so runs neither share nor wait on
 * one another, and nothing of one document survives into the next), in its own process group, which
 * is killed whole at `timeoutMs` and after every run. No shell is involved.
 *
 * Errors: MediaError 'unsupported' when LibreOffice is not installed, 'corrupt' when it cannot load or
 * convert the file, 'timeout' past `timeoutMs`.
 */
export async function convertOfficeToPdf(
  inputPath: string,
  outputDir: string,
  options: {
    timeoutMs: number;
    /** The LibreOffice binary; null: none installed (what a machine without it meets). Default: found on the machine. */
    office?: string | null;
  },
): Promise<string> {
  const { timeoutMs } = options;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new TypeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  const office = options.office === undefined ? await locateOffice() : options.office;
  if (office === null) throw new MediaError('unsupported', UNAVAILABLE);

  const input = resolve(inputPath); // absolute, so that no name can read as an option
  await assertLooksLikeItsName(input);
  const name = `${basename(input, extname(input)) || 'document'}.pdf`;
  const profile = await mkdtemp(join(tmpdir(), 'rendition-soffice-'));
  const staging = await mkdtemp(join(outputDir, '.soffice-'));
  try {
    await mkdir(join(profile, 'user'), { recursive: true });
    await writeFile(join(profile, 'user', 'registrymodifications.xcu'), PROFILE_SETTINGS);
    const args = [
      `-env:UserInstallation=${pathToFileURL(profile).href}`,
      '--headless',
      '--invisible',
      '--norestore',
      '--nolockcheck',
      '--nodefault',
      '--nologo',
      '--convert-to',
      'pdf',
      '--outdir',
      staging,
      input,
    ];
    const run = await runGroup(office, args, timeoutMs);
    if (run.timedOut) throw new MediaError('timeout', TIMED_OUT);
    const produced = (await readdir(staging)).filter((file) => file.toLowerCase().endsWith('.pdf'));
    // LibreOffice exits 0 also when it could not load the file ("Error: source file could not be loaded").
    if (run.code !== 0 || produced.length !== 1) {
      throw new MediaError('corrupt', FAILED, { cause: new Error(`soffice exited with ${run.code ?? run.signal}: ${run.output.trim()}`) });
    }
    const target = join(outputDir, name);
    await rename(join(staging, produced[0] as string), target);
    return target;
  } finally {
    await Promise.all([rm(profile, { recursive: true, force: true }), rm(staging, { recursive: true, force: true })]);
  }
}

/**
 * LibreOffice reads what it does not recognise as plain text, so a random file named .docx would
 * "convert" into a PDF of gibberish. The formats that have a signature must show it: ZIP packages
 * (an OLE file under such a name is an encrypted OOXML document) and RTF. Legacy .doc/.xls/.ppt
 * are left to LibreOffice: real-world files under those names are often RTF, HTML or text.
 */
async function assertLooksLikeItsName(input: string): Promise<void> {
  const extension = extname(input).slice(1).toLowerCase();
  if (!ZIP_PACKAGES.has(extension) && extension !== 'rtf') return;
  const head = Buffer.alloc(8);
  const file = await open(input, 'r');
  try {
    await file.read(head, 0, head.length, 0);
  } finally {
    await file.close();
  }
  if (extension === 'rtf') {
    if (!head.subarray(0, RTF_SIGNATURE.length).equals(RTF_SIGNATURE)) throw new MediaError('corrupt', 'The file is not a valid RTF document');
    return;
  }
  if (head.equals(OLE_SIGNATURE)) throw new MediaError('unsupported', 'Encrypted office documents are not supported');
  if (!head.subarray(0, ZIP_SIGNATURE.length).equals(ZIP_SIGNATURE)) {
    throw new MediaError('corrupt', `The file is not a valid ${extension.toUpperCase()} document`);
  }
}

type GroupRun = { code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; output: string };

/**
 * Runs `command` as the leader of a new process group and waits for it to exit; at `timeoutMs` the
 * whole group is killed. When the leader exits, whatever it left behind in the group is killed too.
 */
function runGroup(command: string, args: string[], timeoutMs: number): Promise<GroupRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      if (output.length < OUTPUT_KEPT) output = (output + chunk.toString('utf8')).slice(0, OUTPUT_KEPT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    let exited = false;
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is gone already
      }
    };
    const timer = setTimeout(() => {
      timedOut = !exited;
      killGroup();
      // A process that left the group may still hold the pipes: stop waiting for them.
      child.stdout.destroy();
      child.stderr.destroy();
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      killGroup();
      reject(error);
    });
    child.once('exit', () => {
      exited = true;
      killGroup();
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      killGroup();
      resolvePromise({ code, signal, timedOut, output });
    });
  });
}

function locateOffice(): Promise<string | null> {
  located ??= findOffice().then((found) => {
    if (found === null) located = undefined; // installed later: look again next time
    return found;
  });
  return located;
}

async function findOffice(): Promise<string | null> {
  for (const candidate of KNOWN_LOCATIONS) {
    if (await isExecutable(candidate)) return candidate;
  }
  for (const name of PATH_NAMES) {
    if (await answersVersion(name)) return name;
  }
  return null;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `name` runs (looked up on PATH by the operating system) and exits 0 for --version. */
async function answersVersion(name: string): Promise<boolean> {
  try {
    const run = await runGroup(name, ['--version'], PROBE_TIMEOUT_MS);
    return run.code === 0 && !run.timedOut;
  } catch {
    return false; // ENOENT
  }
}
