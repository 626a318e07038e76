/**
 * nbformat outputs <-> editor outputs, in the representation of VS Code's built-in ipynb support (so a
 * notebook saved by VS Code writes the same file): streams as stdout/stderr items, errors as one error
 * item, rich data as one item per MIME type with images decoded from base64.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import type { JsonObject, OutputData, OutputItemData } from './cell-data.js';

export const STDOUT_MIME = 'application/vnd.code.notebook.stdout';
export const STDERR_MIME = 'application/vnd.code.notebook.stderr';
export const ERROR_MIME = 'application/vnd.code.notebook.error';
const TEXT_MIMES = ['text/plain', 'text/markdown', 'text/latex', STDOUT_MIME, STDERR_MIME];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function joinMultiline(value: unknown): string {
  return Array.isArray(value) ? value.join('') : String(value ?? '');
}

function isBinaryImage(mime: string): boolean {
  return mime.startsWith('image/') && mime !== 'image/svg+xml';
}

function isTextMime(mime: string): boolean {
  return mime.startsWith('text/') || TEXT_MIMES.includes(mime);
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function itemFromMimeValue(mime: string, value: unknown): OutputItemData {
  if (isBinaryImage(mime) && typeof value === 'string') return { mime, data: base64ToBytes(value) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return { mime, data: encoder.encode(JSON.stringify(value)) };
  }
  if (Array.isArray(value) || typeof value === 'string') return { mime, data: encoder.encode(joinMultiline(value)) };
  return { mime, data: encoder.encode(JSON.stringify(value ?? '')) };
}

function mimeValueFromItem(item: OutputItemData): unknown {
  const { mime, data } = item;
  if (isBinaryImage(mime)) return bytesToBase64(data);
  const text = decoder.decode(data);
  if (isTextMime(mime) || mime === 'image/svg+xml') return text;
  if (mime.toLowerCase().includes('json')) {
    try {
      return text.length > 0 ? JSON.parse(text) : text;
    } catch {
      return text;
    }
  }
  return text;
}

export function outputFromJupyter(output: nbformat.IOutput): OutputData {
  const metadata: JsonObject = { outputType: output.output_type };
  if (output['transient'] !== undefined) metadata['transient'] = output['transient'];
  switch (output.output_type) {
    case 'stream': {
      const mime = output['name'] === 'stderr' ? STDERR_MIME : STDOUT_MIME;
      return { items: [{ mime, data: encoder.encode(joinMultiline(output['text'])) }], metadata };
    }
    case 'error': {
      const error = output as nbformat.IError;
      const value = { name: error.ename ?? '', message: error.evalue ?? '', stack: (error.traceback ?? []).join('\n') };
      return {
        items: [{ mime: ERROR_MIME, data: encoder.encode(JSON.stringify(value)) }],
        metadata: { ...metadata, originalError: structuredClone(output) },
      };
    }
    default: {
      if (output['execution_count'] !== undefined) metadata['executionCount'] = output['execution_count'];
      metadata['metadata'] = structuredClone((output['metadata'] as JsonObject | undefined) ?? {});
      const data = (output['data'] as JsonObject | undefined) ?? {};
      return { items: Object.entries(data).map(([mime, value]) => itemFromMimeValue(mime, value)), metadata };
    }
  }
}

export function outputToJupyter(output: OutputData): nbformat.IOutput {
  const metadata = output.metadata ?? {};
  const outputType = typeof metadata['outputType'] === 'string' ? metadata['outputType'] : undefined;
  const items = output.items;
  const isStream = items.length > 0 && items.every((i) => i.mime === STDOUT_MIME || i.mime === STDERR_MIME);
  const isError = items.length === 1 && items[0]!.mime === ERROR_MIME;
  let result: nbformat.IOutput;
  if (outputType === 'error' || (!outputType && isError)) {
    const original = metadata['originalError'] as nbformat.IError | undefined;
    const value = JSON.parse(decoder.decode(items[0]?.data ?? encoder.encode('{}'))) as JsonObject;
    result = {
      output_type: 'error',
      ename: String(value['name'] ?? ''),
      evalue: String(value['message'] ?? ''),
      traceback: original?.traceback ?? String(value['stack'] ?? '').split('\n'),
    };
  } else if (outputType === 'stream' || (!outputType && isStream)) {
    result = {
      output_type: 'stream',
      name: items[0]?.mime === STDERR_MIME ? 'stderr' : 'stdout',
      text: items.map((i) => decoder.decode(i.data)).join(''),
    };
  } else {
    const data: JsonObject = {};
    for (const item of items) data[item.mime] = mimeValueFromItem(item);
    const type = outputType ?? 'display_data';
    const fields: JsonObject = {
      output_type: type,
      data,
      metadata: (metadata['metadata'] as JsonObject | undefined) ?? {},
    };
    if (type === 'execute_result') {
      fields['execution_count'] = typeof metadata['executionCount'] === 'number' ? metadata['executionCount'] : null;
    }
    result = fields as nbformat.IOutput;
  }
  if (metadata['transient'] !== undefined) (result as JsonObject)['transient'] = metadata['transient'];
  return result;
}

/** Outputs in the form two of them are compared in: multi-line arrays joined (nbformat treats both alike). */
export function normalizeOutput(output: nbformat.IOutput): JsonObject {
  const result: JsonObject = { ...output };
  if ('text' in result) result['text'] = joinMultiline(result['text']);
  if (result['data'] && typeof result['data'] === 'object') {
    result['data'] = Object.fromEntries(
      Object.entries(result['data'] as JsonObject).map(([mime, value]) => [
        mime,
        Array.isArray(value)
          ? value.join('')
          : isBinaryImage(mime) && typeof value === 'string'
            ? value.replace(/\s+/g, '')
            : value,
      ]),
    );
  }
  return result;
}
