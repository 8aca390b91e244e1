import { serverlessPlugin } from './lib/serverless.js';

/** serverless-pre-function: user JavaScript functions, early in the chain (spec §2.6). */
export default serverlessPlugin('serverless-pre-function', 10000);
