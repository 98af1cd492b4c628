// The trainer's one dependency on a file system, apart so that the browser build can leave it out
// (checkpoint-folder.browser.ts): checkpoint folders on disk.
export { folderCheckpoints } from './checkpoint.js';
