import { before } from 'node:test';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import { configStoreContract } from '../contract/config-store.contract.js';
import { readableStoreContract, seededBy } from '../contract/readable-store.contract.js';
import { etcdSuite, startEtcd, type EtcdMember } from '../support/etcd.js';

/** The shared contract on one real etcd; the contract keys every test under its own prefix. */
etcdSuite('etcd store (single member)', () => {
  let etcd: EtcdMember;
  before(async () => {
    etcd = await startEtcd();
  });
  void configStoreContract('etcd', () =>
    EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 5 }),
  );
  void readableStoreContract(
    'etcd',
    seededBy(() => EtcdStore.open({ hosts: [etcd.endpoint], timeoutSeconds: 5 })),
  );
});
