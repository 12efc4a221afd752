<?php
/**
 * Settings of Safety Desk's development wiki, layered over the LocalSettings.php
 * that install.php wrote into the working folder.
 *
 * The working folder's SafetyDeskDevWiki.php (written by tools/devwiki/wiki.py at
 * every start) sets $safetyDeskDevWikiDir and $wgServer, then includes this file.
 *
 * What it adds to a stock MediaWiki:
 * - everything written goes to the working folder (SQLite, caches, temporary files);
 * - the functionary groups of the Wikimedia projects (steward, checkuser, suppress);
 * - uploads, with thumbnails scaled by GD;
 * - the log types of CentralAuth (globalauth) and GlobalBlocking (gblblock), so that
 *   list=logevents accepts letype=globalauth|gblblock and Special:Log can show them.
 *
 * @file
 */

if ( !defined( 'MEDIAWIKI' ) ) {
	exit( 1 );
}

/** @var string $safetyDeskDevWikiDir */

// One folder holds the whole wiki: nothing under /var/lib/mediawiki or /etc.
$wgCacheDirectory = "$safetyDeskDevWikiDir/cache";
$wgLocalisationCacheConf['store'] = 'files';
$wgUploadDirectory = "$safetyDeskDevWikiDir/images";
// Uploads, as on Commons: the upload watcher's tests upload images through the API and
// read their thumbnails (prop=imageinfo&iiurlwidth), scaled by PHP's GD (php-gd) when
// the API asks. The folder's router serves /images from the working folder.
$wgEnableUploads = true;
$wgUploadPath = '/images';
$wgUseImageMagick = false;
$wgFileExtensions = [ 'png', 'gif', 'jpg', 'jpeg', 'webp' ];
$wgUseInstantCommons = false;
$wgTmpDirectory = "$safetyDeskDevWikiDir/tmp";
$wgDebugLogGroups['exception'] = "$safetyDeskDevWikiDir/logs/exception.log";
$wgDebugLogGroups['error'] = "$safetyDeskDevWikiDir/logs/error.log";
$wgShowExceptionDetails = true;

// Maintenance scripts and the web server are separate PHP processes: a cache
// private to one (APCu) would let the other read stale users and groups.
// Sessions live in SQLite so that logins survive between requests.
$wgMainCacheType = CACHE_NONE;
$wgSessionCacheType = CACHE_DB;

// No mail leaves a development wiki.
$wgEnableEmail = false;
$wgEnableUserEmail = false;
$wgEmailAuthentication = false;

$wgPingback = false;
$wgLocaltimezone = 'UTC';

// Functionary groups. On Wikimedia wikis steward is a global group (CentralAuth);
// here it is a local one with the rights that matter to Safety Desk.
$wgAvailableRights = array_merge( $wgAvailableRights, [
	'centralauth-lock',
	'centralauth-suppress',
	'globalblock',
	'checkuser',
	'checkuser-log',
] );
$wgGroupPermissions['steward'] = [
	'centralauth-lock' => true,
	'centralauth-suppress' => true,
	'globalblock' => true,
	'userrights' => true,
	'noratelimit' => true,
	'suppressionlog' => true,
	'checkuser-log' => true,
];
$wgGroupPermissions['checkuser'] = [
	'checkuser' => true,
	'checkuser-log' => true,
];
// 'suppress' (oversighters) and 'sysop', 'bot' are core groups.

// Log types of CentralAuth and GlobalBlocking, with every action name Meta-Wiki has
// used, old ones included, so that the API validates and returns them.
$wgLogTypes[] = 'globalauth';
$wgLogTypes[] = 'gblblock';
foreach ( [ 'setstatus', 'lock', 'unlock', 'hide', 'unhide', 'lockandhid', 'delete' ] as $action ) {
	$wgLogActionsHandlers["globalauth/$action"] = SafetyDeskGlobalAuthLogFormatter::class;
}
// CentralAuth logs a hiding that suppresses to the suppress log.
$wgLogActionsHandlers['suppress/setstatus'] = SafetyDeskGlobalAuthLogFormatter::class;
$wgLogActionsHandlers['suppress/cadelete'] = SafetyDeskGlobalAuthLogFormatter::class;
foreach ( [ 'gblock', 'gblock2', 'gunblock', 'modify', 'whitelist', 'dwhitelist' ] as $action ) {
	$wgLogActionsHandlers["gblblock/$action"] = SafetyDeskGlobalBlockLogFormatter::class;
}

$wgHooks['LocalisationCacheRecache'][] = static function ( $cache, $code, &$allData ) {
	$messages = [
		'log-name-globalauth' => 'Global account log',
		'log-description-globalauth' => 'Global account actions (development wiki).',
		'log-name-gblblock' => 'Global block log',
		'log-description-gblblock' => 'Global blocks (development wiki).',
		'logentry-globalauth-setstatus' => '$1 changed status for global account $3: set $4; unset $5',
		'logentry-globalauth-other' => '$1 changed global account $3 ($4)',
		'logentry-gblblock-gblock' => '$1 globally blocked $3 ($5, $6)',
		'logentry-gblblock-modify' => '$1 modified the global block on $3 ($5, $6)',
		'logentry-gblblock-gunblock' => '$1 removed the global block on $3',
		'logentry-gblblock-other' => '$1 changed the global block on $3 ($4)',
		'safetydesk-devwiki-none' => '(none)',
	];
	foreach ( $messages as $key => $text ) {
		$allData['messages'][$key] = $text;
		$allData['list']['messages'][] = $key;
	}
	// Edits to this file must rebuild the cache.
	$allData['deps']['safetydesk-devwiki'] = new FileDependency( __FILE__ );
};

/**
 * Shows globalauth entries in both parameter shapes: the modern one
 * ({"added": [...], "removed": [...]}) and the legacy positional one.
 * The API output does not depend on it (LogFormatter::formatParametersForApi).
 */
class SafetyDeskGlobalAuthLogFormatter extends LogFormatter {
	protected function getMessageKey() {
		return $this->entry->getSubtype() === 'setstatus'
			? 'logentry-globalauth-setstatus'
			: 'logentry-globalauth-other';
	}

	protected function extractParameters() {
		$params = $this->entry->getParameters();
		if ( $this->entry->isLegacy() || !isset( $params['added'] ) ) {
			$legacy = array_values( array_map( 'strval', $params ) );
			if ( $this->entry->getSubtype() !== 'setstatus' ) {
				return [ 3 => implode( ', ', $legacy ) ];
			}
			return [ 3 => $legacy[0] ?? '', 4 => $legacy[1] ?? '' ];
		}
		return [
			3 => $this->statusList( $params['added'] ),
			4 => $this->statusList( $params['removed'] ?? [] ),
		];
	}

	private function statusList( array $statuses ): string {
		return $statuses
			? $this->context->getLanguage()->commaList( $statuses )
			: $this->msg( 'safetydesk-devwiki-none' )->text();
	}
}

/**
 * Shows gblblock entries: modern ones carry 5::expiry and 6::flags (a list),
 * legacy ones positional strings.
 */
class SafetyDeskGlobalBlockLogFormatter extends LogFormatter {
	protected function getMessageKey() {
		$subtype = $this->entry->getSubtype();
		if ( in_array( $subtype, [ 'gblock', 'modify', 'gunblock' ], true ) && !$this->entry->isLegacy() ) {
			return "logentry-gblblock-$subtype";
		}
		return 'logentry-gblblock-other';
	}

	protected function extractParameters() {
		$params = $this->entry->getParameters();
		if ( $this->entry->isLegacy() ) {
			return [ 3 => implode( ', ', array_map( 'strval', $params ) ) ];
		}
		$flags = $params['6::flags'] ?? [];
		return [
			3 => '',
			4 => (string)( $params['5::expiry'] ?? '' ),
			5 => is_array( $flags ) ? implode( ', ', $flags ) : (string)$flags,
		];
	}
}

// Users may load their own common.js, as on the Wikimedia wikis: Safety Desk's
// "Report to Trust & Safety" user script is tested that way.
$wgAllowUserJs = true;
