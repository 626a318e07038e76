import { MemoryStorage } from './memory-storage.js';
import { describeStorageConformance } from './storage-conformance.js';

describeStorageConformance('memory', { create: async () => new MemoryStorage() });
