/**
 * A user's edit, made through VS Code's API while a collaborator's edits are arriving. VS Code refuses a
 * workspace edit when the document changed between the extension host's view and the renderer's (here: a
 * remote change the extension is applying at that moment), so a refused edit is built again on the new text,
 * as the user's next keystroke would be.
 */
import * as vscode from 'vscode';
import * as assert from './assert.js';

export async function applyAsUser(build: (edit: vscode.WorkspaceEdit) => void, attempts = 20): Promise<void> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const edit = new vscode.WorkspaceEdit();
    build(edit);
    if (await vscode.workspace.applyEdit(edit)) return;
    console.log(`      VS Code refused the edit (attempt ${attempt}): building it again on the current text`);
    await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
  }
  assert.ok(false, `VS Code applied the edit within ${attempts} attempts`);
}
