/**
 * Admin password rotation (rotate-password) and the KMS secret layout it owns. Exports what other folders
 * use: the function's handler, a rotation for the CLI, the settings, and the layout every reader of the
 * secret relies on (rotate-fleet, the CLI). Tests of this folder import its files by path.
 */

export { clusterEndpoint } from './cluster';
export { handleRotationTrigger } from './handler';
export { decodeContent, PLACEHOLDER_VERSION_ID, STAGE, secretNameFor, secretNameTemplateSetting } from './layout';
export type { RotationResult } from './rotate';
export { rotatePassword } from './rotate';
export type { RotationSettings } from './settings';
export { rotationSettings } from './settings';
export { statusAnswer } from './status';
