/**
 * The two kinds of shared document and how a file name maps to one. The Y.Doc layout of each is
 * `@jupyter/ydoc`'s (YNotebook, YFile), so JupyterLab's own models bind to them directly.
 */
export const DOCUMENT_KINDS = ['notebook', 'draft'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export function isDocumentKind(value: unknown): value is DocumentKind {
  return typeof value === 'string' && (DOCUMENT_KINDS as readonly string[]).includes(value);
}

/** `.ipynb` files become notebooks; anything else is a text draft. */
export function documentKindForFileName(fileName: string): DocumentKind {
  return fileName.toLowerCase().endsWith('.ipynb') ? 'notebook' : 'draft';
}

/**
 * Version of the document layout inside the Y.Doc. It is stored in the relay's document record so that a
 * later layout (for instance an encrypted envelope) can be told apart without guessing.
 */
export const DOCUMENT_SCHEMA_VERSION = 1;
