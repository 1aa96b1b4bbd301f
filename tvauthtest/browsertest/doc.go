// Package browsertest drives the pages of the tvauthtest fake in a real browser: Debian's Chromium,
// through chromedp. It is a module of its own so that chromedp never enters the build list of a
// program that imports tvauth or tvauthtest.
//
// Its tests are the proof of the pages: a Pass v2 second-screen login through the activation page,
// the MVPD picker and the login form (a wrong password first); a v1 clientless login from its
// authenticate URL; a logout/interactive next action; and the dashboard, whose fault form makes the
// next SDK call fail. With -update they write a screenshot of each page to ../../docs/img/.
//
// Chromium is found as $TVAUTH_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH.
// Without one the tests skip, unless CI is set or TVAUTH_BROWSER_TESTS=require, when they fail;
// TVAUTH_BROWSER_TESTS=skip skips them even then.
package browsertest
