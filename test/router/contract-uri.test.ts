import { createRouter } from '../../src/router/create-router.js';
import { routerContract } from '../contract/router.contract.js';

routerContract('radixtree_uri', () => createRouter('radixtree_uri'));
