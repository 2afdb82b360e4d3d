/** The admin key's file name in the data directory (written at first start). Its own module so the CLI reads it without loading the server. */
export const ADMIN_KEY_FILE = 'admin.key';
