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

	// The link in Safety Desk's languages, as the wiki is read (uselang, or the preference);
	// pt-br has its own words, any other language falls back to its base, then English.
	var MESSAGES = {
		en: [ 'Report to Trust & Safety',
			'Report this page to the Trust and Safety team of the Wikimedia Foundation' ],
		fr: [ 'Signaler à Confiance et sécurité',
			'Signaler cette page à l’équipe Confiance et sécurité de la Fondation Wikimedia' ],
		ar: [ 'الإبلاغ إلى فريق الثقة والأمان',
			'الإبلاغ عن هذه الصفحة إلى فريق الثقة والأمان في مؤسسة ويكيميديا' ],
		pt: [ 'Comunicar à equipa de Confiança e Segurança',
			'Comunicar esta página à equipa de Confiança e Segurança da Fundação Wikimedia' ],
		'pt-br': [ 'Denunciar à equipe de Confiança e Segurança',
			'Denunciar esta página à equipe de Confiança e Segurança da Fundação Wikimedia' ]
	};

	function messages( language ) {
		var code = String( language || 'en' ).toLowerCase();
		return MESSAGES[ code ] || MESSAGES[ code.split( '-' )[ 0 ] ] || MESSAGES.en;
	}

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
		var params = reportParameters();
		var url = base + '/requests/new?' + new URLSearchParams( params ).toString();
		var text = messages( params.uselang );
		mw.util.addPortletLink( 'p-tb', url, text[ 0 ], 't-report-trust-and-safety', text[ 1 ] );
	} );
}() );
