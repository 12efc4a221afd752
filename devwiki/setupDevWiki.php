<?php
/**
 * Create the accounts of Safety Desk's development wiki in one process.
 *
 * Reads JSON on standard input:
 *   {"users": [{"name": ..., "password": ..., "groups": [...], "gender": "female"}],
 *    "botPasswords": [{"user": ..., "appId": ..., "password": ..., "grants": [...]}],
 *    "blocks": [{"target": ..., "performer": ..., "reason": ..., "expiry": "infinity"}]}
 * Existing accounts get the given password and groups added; an existing bot
 * password of the same appId is replaced; an account already blocked keeps its
 * block. Blocks never autoblock: every account of the development wiki comes from
 * 127.0.0.1, which an autoblock would block for all. Prints {"users": {name: id}}.
 *
 * Run through MediaWiki's runScript.php, with MW_CONFIG_FILE naming the working
 * folder's LocalSettings.php:
 *   php /usr/share/mediawiki/maintenance/runScript.php setupDevWiki.php < accounts.json
 *
 * @file
 */

use MediaWiki\Auth\AuthManager;
use MediaWiki\Block\DatabaseBlock;
use MediaWiki\MediaWikiServices;

require_once ( getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki' ) . '/maintenance/Maintenance.php';

class SafetyDeskSetupDevWiki extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'Create users, groups and bot passwords of the development wiki' );
	}

	public function execute() {
		$spec = json_decode( $this->getStdin( Maintenance::STDIN_ALL ), true );
		if ( !is_array( $spec ) ) {
			$this->fatalError( 'Expected a JSON object on standard input.' );
		}
		$ids = [];
		foreach ( $spec['users'] ?? [] as $account ) {
			$ids[$account['name']] = $this->ensureUser(
				$account['name'], $account['password'], $account['groups'] ?? [],
				$account['gender'] ?? ''
			);
		}
		foreach ( $spec['botPasswords'] ?? [] as $botPassword ) {
			$this->ensureBotPassword( $botPassword );
		}
		foreach ( $spec['blocks'] ?? [] as $block ) {
			$this->ensureBlock( $block );
		}
		$this->output( json_encode( [ 'users' => $ids ] ) . "\n" );
	}

	private function ensureUser(
		string $name, string $password, array $groups, string $gender
	): int {
		$services = MediaWikiServices::getInstance();
		$user = $services->getUserFactory()->newFromName( $name );
		if ( !$user ) {
			$this->fatalError( "Invalid username: $name" );
		}
		if ( !$user->isRegistered() ) {
			$status = $services->getAuthManager()->autoCreateUser(
				$user, AuthManager::AUTOCREATE_SOURCE_MAINT, false
			);
			if ( !$status->isGood() ) {
				$this->fatalError( "Cannot create $name: " . $status->getWikiText( false, false, 'en' ) );
			}
			SiteStatsUpdate::factory( [ 'users' => 1 ] )->doUpdate();
		}
		$status = $user->changeAuthenticationData( [
			'username' => $user->getName(),
			'password' => $password,
			'retype' => $password,
		] );
		if ( !$status->isGood() ) {
			$this->fatalError( "Cannot set the password of $name: "
				. $status->getWikiText( false, false, 'en' ) );
		}
		$groupManager = $services->getUserGroupManager();
		$known = $groupManager->listAllGroups();
		foreach ( $groups as $group ) {
			if ( !in_array( $group, $known, true ) ) {
				$this->fatalError( "Unknown group $group (define it in DevWikiSettings.php)" );
			}
		}
		$missing = array_diff( $groups, $groupManager->getUserGroups( $user ) );
		if ( $missing ) {
			$groupManager->addUserToMultipleGroups( $user, $missing );
		}
		if ( $gender !== '' ) {
			// The preference {{GENDER:}} and api.php's usprop=gender read.
			$services->getUserOptionsManager()->setOption( $user, 'gender', $gender );
		}
		$user->saveSettings();
		return $user->getId();
	}

	private function ensureBotPassword( array $spec ): void {
		$services = MediaWikiServices::getInstance();
		$user = $services->getUserFactory()->newFromName( $spec['user'] );
		if ( !$user || !$user->isRegistered() ) {
			$this->fatalError( "No such user for a bot password: {$spec['user']}" );
		}
		$grants = $spec['grants'];
		$invalid = array_diff( $grants, $services->getGrantsInfo()->getValidGrants() );
		if ( $invalid ) {
			$this->fatalError( 'Invalid grants: ' . implode( ', ', $invalid ) );
		}
		$existing = BotPassword::newFromUser( $user, $spec['appId'], BotPassword::READ_LATEST );
		if ( $existing ) {
			$existing->delete();
		}
		$botPassword = BotPassword::newUnsaved( [
			'user' => $user,
			'appId' => $spec['appId'],
			'grants' => $grants,
		] );
		if ( !$botPassword ) {
			$this->fatalError( "Invalid bot password for {$spec['user']}@{$spec['appId']}" );
		}
		$hash = $services->getPasswordFactory()->newFromPlaintext( $spec['password'] );
		$status = $botPassword->save( 'insert', $hash );
		if ( !$status->isGood() ) {
			$this->fatalError( 'Cannot save the bot password: '
				. $status->getWikiText( false, false, 'en' ) );
		}
	}

	private function ensureBlock( array $spec ): void {
		$services = MediaWikiServices::getInstance();
		$userFactory = $services->getUserFactory();
		$target = $userFactory->newFromName( $spec['target'] );
		$performer = $userFactory->newFromName( $spec['performer'] );
		if ( !$target || !$target->isRegistered() || !$performer || !$performer->isRegistered() ) {
			$this->fatalError( "Cannot block {$spec['target']} as {$spec['performer']}" );
		}
		if ( DatabaseBlock::newFromTarget( $target ) ) {
			return;
		}
		$status = $services->getBlockUserFactory()->newBlockUser(
			$target,
			$performer,
			$spec['expiry'] ?? 'infinity',
			$spec['reason'] ?? '',
			[ 'isAutoblocking' => false ]
		)->placeBlockUnsafe();
		if ( !$status->isGood() ) {
			$this->fatalError( "Cannot block {$spec['target']}: "
				. $status->getWikiText( false, false, 'en' ) );
		}
	}
}

$maintClass = SafetyDeskSetupDevWiki::class;
require_once RUN_MAINTENANCE_IF_MAIN;
