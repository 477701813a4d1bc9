import { Messages } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);

/** Messages of the local checks (messages/jwt.checks.md). */
export const checkMessages = Messages.loadMessages('plugin-jwt', 'jwt.checks');
