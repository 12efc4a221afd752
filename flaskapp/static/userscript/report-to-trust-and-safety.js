/**
 * Report to Trust & Safety — a user script for the Wikimedia wikis.
 *
 * Adds "Report to Trust & Safety" to the Tools menu of every page, diff and user
 * page. The link opens Safety Desk's request form filled in with this wiki, the
 * page, the revision or diff being read and the user concerned, in the language
 * the person reads the wiki in.
 *
 * Install: copy this file to Special:MyPage/common.js (one wiki) or to
 * meta.wikimedia.org/wiki/Special:MyPage/global.js (every wiki). To use another
 * Safety Desk (a test instance), set window.safetyDeskUrl before this script runs.
 */
( function () {
	'use strict';

	var base = ( window.safetyDeskUrl || 'https://safetydesk.toolforge.org' ).replace( /\/+$/, '' );

	function reportParameters() {
		var config = mw.config.get( [
			'wgDBname', 'wgPageName', 'wgRevisionId', 'wgDiffOldId', 'wgDiffNewId',
			'wgRelevantUserName', 'wgUserLanguage'
		] );
		var params = { wiki: config.wgDBname, page: config.wgPageName.replace( /_/g, ' ' ) };
		// Safety Desk speaks the language the person reads the wiki in, where it can.
		params.uselang = config.wgUserLanguage;
		if ( config.wgDiffNewId ) {
			params.diff = config.wgDiffNewId;
			if ( config.wgDiffOldId ) {
				params.oldid = config.wgDiffOldId;
			}
		} else if ( config.wgRevisionId ) {
			params.oldid = config.wgRevisionId;
		}
		if ( config.wgRelevantUserName ) {
			params.user = config.wgRelevantUserName;
		}
		return params;
	}

	mw.loader.using( [ 'mediawiki.util' ] ).then( function () {
		var url = base + '/requests/new?' + new URLSearchParams( reportParameters() ).toString();
		mw.util.addPortletLink(
			'p-tb', url, 'Report to Trust & Safety', 't-report-trust-and-safety',
			'Report this page to the Trust and Safety team of the Wikimedia Foundation'
		);
	} );
}() );
