/** Credentials for clients of the emulators: they accept any, and a fixed pair keeps real ones out of the twin. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
