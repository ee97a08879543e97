"""The programme's calendar: its ideathons by month and as a list, and an iCalendar feed a phone's
calendar can subscribe to. (Inside this package `import calendar` is still the standard library:
imports are absolute.)"""
