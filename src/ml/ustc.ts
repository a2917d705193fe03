/**
 * USTC-TFC2016's 20 classes. The corpus ships ids only; the names follow the dataset's usual order (benign
 * applications 0–9, malware families 10–19, each alphabetical), which the payloads bear out: 7 carries SMB, 9
 * World of Warcraft, 10–19 the malware's HTTP check-ins and DGA lookups.
 */
export const USTC_CLASS_NAMES = [
  'BitTorrent',
  'Facetime',
  'FTP',
  'Gmail',
  'MySQL',
  'Outlook',
  'Skype',
  'SMB',
  'Weibo',
  'WorldOfWarcraft',
  'Cridex',
  'Geodo',
  'Htbot',
  'Miuref',
  'Neris',
  'Nsis-ay',
  'Shifu',
  'Tinba',
  'Virut',
  'Zeus',
];

export const USTC_MALICIOUS = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
