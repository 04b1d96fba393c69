/** The editor build check lives with the repo scripts (npm start uses it too). */
export { ensureEditorBuilt, EDITOR_DIR, REPO } from '../../../scripts/ensure-editor-built.ts';
