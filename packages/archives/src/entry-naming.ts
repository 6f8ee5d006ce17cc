import { fileExtension, type ResourceType } from '@rendition/protocol';

/** The naming parameters of generate_archive (docs/archives.md, "Entry names"). */
export interface ArchiveNaming {
  /** Every file at the archive's root: the public_id's folders are dropped (a counter settles clashes). */
  flattenFolders: boolean;
  /** With several transformations: the transformation in the file name instead of a folder per transformation. */
  flattenTransformations: boolean;
  /** The uploaded file's name (when it was kept) instead of the public_id's last element. */
  useOriginalFilename: boolean;
  /** A derivative is named like its original (no transformation in the file name). */
  skipTransformationName: boolean;
}

/** One file of the archive, described by what names it. */
export interface EntrySource {
  publicId: string;
  resourceType: ResourceType;
  /** The file's format: the original's or the derivative's; null for raw (its public_id carries its extension). */
  format: string | null;
  originalFilename: string | null;
  /** The canonical transformation of a derivative; absent for an original. */
  transformation?: string;
}

/**
 * The entry name of every source, in order, unique within the archive:
 *
 * - an original: `<public_id>.<format>` (a raw public_id already ends with its extension);
 * - a derivative, with one transformation (or several and `flatten_transformations`):
 *   `<public_id>_<transformation>.<format>`, or `<public_id>.<format>` with `skip_transformation_name`;
 * - a derivative, with several transformations: `<transformation>/<public_id>.<format>`;
 * - `flatten_folders` drops the public_id's folders; `use_original_filename` replaces its last element;
 * - a name already taken (or clashing with a folder) gets `_1`, `_2`… before its extension.
 *
 * Names are archive paths, never paths of ours: no element may be empty, `.` or `..`, and a backslash
 * or control character becomes `_`, so that no unpacker can be led outside its target directory.
 */
export function nameEntries(sources: readonly EntrySource[], naming: ArchiveNaming, transformationCount: number): string[] {
  const taken = new UniqueNames();
  return sources.map((source) => {
    const elements = source.publicId.split('/');
    const leaf = elements.pop() ?? source.publicId;
    const { extension, stem: leafStem } = leafName(source, leaf, naming);
    let stem = leafStem;
    const folders = naming.flattenFolders ? [] : elements;
    const transformationFolder: string[] = [];
    if (source.transformation !== undefined) {
      const label = transformationLabel(source.transformation, source.format);
      if (transformationCount > 1 && !naming.flattenTransformations) transformationFolder.push(label);
      else if (!naming.skipTransformationName) stem = `${stem}_${label}`;
    }
    return taken.claim([...transformationFolder, ...folders].map(safeElement), safeElement(stem), extension === '' ? '' : safeElement(extension));
  });
}

/** A transformation as a file or folder name: chained components joined by `_`; the format alone when there is none. */
export function transformationLabel(canonical: string, format: string | null): string {
  if (canonical !== '') return canonical.replaceAll('/', '_');
  return format === null ? 'original' : `f_${format}`;
}

function leafName(source: EntrySource, leaf: string, naming: ArchiveNaming): { stem: string; extension: string } {
  const original =
    naming.useOriginalFilename && source.originalFilename !== null && source.originalFilename !== '' ? source.originalFilename : undefined;
  if (source.format === null) {
    // A raw public_id is a whole file name: its extension is kept, whatever names the file.
    const extension = fileExtension(leaf) ?? '';
    const stem = extension === '' ? leaf : leaf.slice(0, -(extension.length + 1));
    return { stem: original ?? stem, extension };
  }
  return { stem: original ?? leaf, extension: source.format };
}

// eslint-disable-next-line no-control-regex -- control characters are what is replaced
const UNSAFE_CHARACTERS = /[\\\u0000-\u001f\u007f]/g;

function safeElement(element: string): string {
  const cleaned = element.replace(UNSAFE_CHARACTERS, '_').replaceAll('/', '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? '_' : cleaned;
}

/** Names handed out so far, and the folders they make: a file may not take a folder's name, nor the reverse. */
class UniqueNames {
  readonly #files = new Set<string>();
  readonly #folders = new Set<string>();

  claim(folders: string[], stem: string, extension: string): string {
    const placed = this.#offFiles(folders);
    const prefix = placed.length > 0 ? `${placed.join('/')}/` : '';
    const suffix = extension === '' ? '' : `.${extension}`;
    for (let counter = 0; ; counter++) {
      const name = `${prefix}${stem}${counter === 0 ? '' : `_${counter}`}${suffix}`;
      if (this.#files.has(name) || this.#folders.has(name)) continue;
      this.#files.add(name);
      for (let depth = 1; depth <= placed.length; depth++) this.#folders.add(placed.slice(0, depth).join('/'));
      return name;
    }
  }

  /** A folder cannot take a file's name: such an element gets `_` appended until it is free. */
  #offFiles(folders: string[]): string[] {
    const renamed = [...folders];
    for (let depth = 1; depth <= renamed.length; depth++) {
      while (this.#files.has(renamed.slice(0, depth).join('/'))) renamed[depth - 1] = `${renamed[depth - 1]}_`;
    }
    return renamed;
  }
}
