/**
 * The editor-side form of a notebook, shaped like VS Code's NotebookData / NotebookCellData but free of the
 * `vscode` module, so conversions and bindings run (and are unit-tested) outside VS Code. The mapping
 * between these and `vscode.*` classes is one-to-one (src/vscode/notebook-data.ts).
 */
export const CellKind = { Markup: 1, Code: 2 } as const;
export type CellKind = (typeof CellKind)[keyof typeof CellKind];

export type JsonObject = { [key: string]: unknown };

export interface OutputItemData {
  readonly mime: string;
  readonly data: Uint8Array;
}

export interface OutputData {
  readonly items: readonly OutputItemData[];
  readonly metadata?: JsonObject;
}

export interface CellData {
  readonly kind: CellKind;
  readonly value: string;
  readonly languageId: string;
  /** As VS Code's ipynb support keeps it: `{ execution_count?, metadata, id?, attachments? }`. */
  readonly metadata: JsonObject;
  readonly outputs: readonly OutputData[];
  readonly executionSummary?: { readonly executionOrder?: number };
}

export interface NotebookDataLike {
  readonly cells: readonly CellData[];
  /** `{ nbformat, nbformat_minor, metadata }`, the notebook without its cells. */
  readonly metadata: JsonObject;
}
