import { serverlessPlugin } from './lib/serverless.js';

/** serverless-post-function: user JavaScript functions, late in the chain (spec §2.6). */
export default serverlessPlugin('serverless-post-function', -2000);
