<?php
/**
 * Write log entries into Safety Desk's development wiki, shaped like the ones
 * CentralAuth (globalauth) and GlobalBlocking (gblblock) write on Meta-Wiki.
 *
 * Reads a JSON list on standard input, one object per entry:
 *   {"type": "globalauth", "action": "setstatus", "performer": "Steward One",
 *    "target": "User:Name@global", "comment": "...", "timestamp": "2024-01-02T03:04:05Z",
 *    "params": {"added": ["locked"], "removed": []}, "deleted": 0}
 * "params" as an object is stored the way ManualLogEntry stores it today (a
 * serialized array: keys such as "added", or "5::expiry" for formatted ones);
 * "params" as a list (or with "legacy": true) is stored in the legacy form, one
 * value per line, as log entries written before MediaWiki 1.19 are: the API then
 * returns them as {"0": ..., "1": ...}.
 * A target "User:#123" names a global block by its id, as GlobalBlocking does for
 * global autoblocks. A performer that does not exist yet is created (without a password).
 * Prints the list of new log ids as JSON.
 *
 * Run through MediaWiki's runScript.php, with MW_CONFIG_FILE naming the working
 * folder's LocalSettings.php:
 *   php /usr/share/mediawiki/maintenance/runScript.php writeLogEntries.php < entries.json
 *
 * @file
 */

use MediaWiki\Auth\AuthManager;
use MediaWiki\MediaWikiServices;

require_once ( getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki' ) . '/maintenance/Maintenance.php';

class SafetyDeskWriteLogEntries extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'Write CentralAuth- and GlobalBlocking-shaped log entries' );
	}

	public function execute() {
		$entries = json_decode( $this->getStdin( Maintenance::STDIN_ALL ), true );
		if ( !is_array( $entries ) || !array_is_list( $entries ) ) {
			$this->fatalError( 'Expected a JSON list of log entries on standard input.' );
		}
		$dbw = wfGetDB( DB_PRIMARY );
		$ids = [];
		foreach ( $entries as $spec ) {
			$ids[] = $this->writeEntry( $spec, $dbw );
		}
		$this->output( json_encode( $ids ) . "\n" );
	}

	private function writeEntry( array $spec, $dbw ): int {
		foreach ( [ 'type', 'action', 'performer', 'target' ] as $key ) {
			if ( !isset( $spec[$key] ) || !is_string( $spec[$key] ) || $spec[$key] === '' ) {
				$this->fatalError( "Log entry without \"$key\"." );
			}
		}
		if ( !in_array( $spec['type'], LogPage::validTypes(), true ) ) {
			$this->fatalError( "Unknown log type {$spec['type']} (register it in DevWikiSettings.php)." );
		}
		// GlobalBlocking names a global autoblock "User:#123", which is no valid title.
		$target = preg_match( '/^User:(#\d+)$/', $spec['target'], $blockId )
			? Title::newFromLinkTarget( new TitleValue( NS_USER, $blockId[1] ) )
			: Title::newFromText( $spec['target'] );
		if ( !$target ) {
			$this->fatalError( "Invalid target title: {$spec['target']}" );
		}
		$params = $spec['params'] ?? [];
		if ( !is_array( $params ) ) {
			$this->fatalError( 'Log parameters must be a JSON object or list.' );
		}
		// "legacy" says which form to store; without it a non-empty list means legacy.
		$legacy = isset( $spec['legacy'] )
			? (bool)$spec['legacy']
			: $params !== [] && array_is_list( $params );

		$entry = new ManualLogEntry( $spec['type'], $spec['action'] );
		$entry->setPerformer( $this->performer( $spec['performer'] ) );
		$entry->setTarget( $target );
		$entry->setComment( $spec['comment'] ?? '' );
		if ( isset( $spec['timestamp'] ) ) {
			$timestamp = wfTimestamp( TS_MW, $spec['timestamp'] );
			if ( $timestamp === false ) {
				$this->fatalError( "Invalid timestamp: {$spec['timestamp']}" );
			}
			$entry->setTimestamp( $timestamp );
		}
		if ( isset( $spec['deleted'] ) ) {
			$entry->setDeleted( (int)$spec['deleted'] );
		}
		$entry->setParameters( $legacy ? array_map( 'strval', $params ) : $params );
		$entry->setLegacy( $legacy );

		$id = $entry->insert( $dbw );
		if ( $legacy ) {
			// ManualLogEntry always serializes; entries from before 1.19 hold plain lines.
			$dbw->update(
				'logging',
				[ 'log_params' => implode( "\n", array_map( 'strval', $params ) ) ],
				[ 'log_id' => $id ],
				__METHOD__
			);
		}
		$entry->publish( $id, 'rc' );
		return $id;
	}

	private function performer( string $name ): User {
		$services = MediaWikiServices::getInstance();
		$user = $services->getUserFactory()->newFromName( $name );
		if ( !$user ) {
			$this->fatalError( "Invalid performer name: $name" );
		}
		if ( !$user->isRegistered() ) {
			$status = $services->getAuthManager()->autoCreateUser(
				$user, AuthManager::AUTOCREATE_SOURCE_MAINT, false
			);
			if ( !$status->isGood() ) {
				$this->fatalError( "Cannot create performer $name: "
					. $status->getWikiText( false, false, 'en' ) );
			}
		}
		return $user;
	}
}

$maintClass = SafetyDeskWriteLogEntries::class;
require_once RUN_MAINTENANCE_IF_MAIN;
