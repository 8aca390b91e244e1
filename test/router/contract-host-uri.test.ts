import { createRouter } from '../../src/router/create-router.js';
import { routerContract } from '../contract/router.contract.js';

routerContract('radixtree_host_uri', () => createRouter('radixtree_host_uri'));
