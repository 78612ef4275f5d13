/** Credentials for SDK clients pointed at the local twin or its emulators, which accept any. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
